package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/video"
)

// openVideo starts a video's decoder and, when save, its encoder writing
// into out (see inference.OpenVideoJob).
func openVideo(path, out string, save bool) *inference.VideoJob {
	dst := ""
	if save {
		dst = filepath.Join(out, videoName(path)+".mp4")
	}
	return inference.OpenVideoJob(path, dst, inference.GPUPresent())
}

// predictVideo detects in an opened video (see inference.ProcessVideo).
// Cancelling ctx stops it with the video so far written out whole.
func predictVideo(ctx context.Context, det *inference.Detector, job *inference.VideoJob, path string, t detect.Thresholds) ([]inference.Record, int, error) {
	var recs []inference.Record
	frames, err := job.Process(ctx, det, t, func(n int, dets []detect.Detection) {
		recs = append(recs, inference.Records(video.SourceName(path), n, dets, det.Info.Classes)...)
	})
	return recs, frames, err
}

// videoName names a video's output after its file, or after a stream's
// address (rtsp://cam.local:554/live -> cam.local_554_live).
func videoName(path string) string {
	if !video.IsLive(path) || video.IsCamera(path) {
		return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	_, rest, _ := strings.Cut(video.SourceName(path), "://")
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
