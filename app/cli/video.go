package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/inference"
)

func isVideo(p string) bool { return inference.IsVideoPath(p) }

// predictVideo detects in a video (see inference.ProcessVideo) and, when
// save, writes the annotated video into out. Cancelling ctx stops it with
// the video so far written out whole.
func predictVideo(ctx context.Context, det *inference.Detector, path string, t inference.Thresholds, out string, save bool) ([]inference.Record, int, error) {
	dst := ""
	if save {
		dst = filepath.Join(out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".mp4")
	}
	var recs []inference.Record
	frames, err := inference.ProcessVideo(ctx, det, path, t, dst, func(n int, dets []inference.Detection) {
		recs = append(recs, inference.Records(path, n, dets, det.Info.Classes)...)
	})
	return recs, frames, err
}
