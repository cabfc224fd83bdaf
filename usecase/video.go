package usecase

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/video"
)

// OpenVideo starts a video's decoder and, when save, its encoder writing
// VideoOutput(dir, path) (see inference.OpenVideoJob); gpu (a detector
// not on the CPU) leaves the decoder ffmpeg's choice of threads.
func OpenVideo(path, dir string, save, gpu bool) *inference.VideoJob {
	dst := ""
	if save {
		dst = VideoOutput(dir, path)
	}
	return inference.OpenVideoJob(path, dst, gpu)
}

// VideoOutput is where a video's annotated copy goes in dir.
func VideoOutput(dir, path string) string { return filepath.Join(dir, videoName(path)+".mp4") }

// PredictVideo detects in an opened video (see inference.ProcessVideo)
// and returns its detections, one record per box, and the frames done;
// onFrame (optional) hears each frame's number as it is detected.
// Cancelling ctx stops it with the video so far written out whole.
func PredictVideo(ctx context.Context, det *inference.Detector, job *inference.VideoJob, path string, t detect.Thresholds, onFrame func(n int)) ([]inference.Record, int, error) {
	var recs []inference.Record
	frames, err := job.Process(ctx, det, t, func(n int, dets []detect.Detection) {
		recs = append(recs, inference.Records(video.SourceName(path), n, dets, det.Info.Classes)...)
		if onFrame != nil {
			onFrame(n)
		}
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
