package cli

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/inference"
)

func isVideo(p string) bool { return inference.IsVideoPath(p) }

// predictVideo detects in a video (see inference.ProcessVideo) and, when
// save, writes the annotated video into out.
func predictVideo(det *inference.Detector, path string, t inference.Thresholds, out string, save bool, stderr io.Writer) ([]inference.Record, error) {
	dst := ""
	if save {
		dst = filepath.Join(out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".mp4")
	}
	var recs []inference.Record
	_, err := inference.ProcessVideo(context.Background(), det, path, t, dst, func(n int, dets []inference.Detection) {
		recs = append(recs, inference.Records(path, n, dets, det.Info.Classes)...)
	})
	return recs, err
}
