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
		dst = filepath.Join(out, videoName(path)+".mp4")
	}
	var recs []inference.Record
	frames, err := inference.ProcessVideo(ctx, det, path, t, dst, func(n int, dets []inference.Detection) {
		recs = append(recs, inference.Records(inference.SourceName(path), n, dets, det.Info.Classes)...)
	})
	return recs, frames, err
}

// videoName names a video's output after its file, or after a stream's
// address (rtsp://cam.local:554/live -> cam.local_554_live).
func videoName(path string) string {
	if !inference.IsLive(path) || inference.IsCamera(path) {
		return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	_, rest, _ := strings.Cut(inference.SourceName(path), "://")
	rest, _, _ = strings.Cut(rest, "?")
	name := strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, rest), "_.")
	if name == "" {
		return "stream"
	}
	return name
}
