package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/usecase"
	"github.com/labelloop/labelloop/video"
)

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	mf := addModelFlags(fs, float64(detect.DisplayThresholds.Conf), detect.DisplayThresholds.NMS)
	workers := fs.Int("workers", runtime.NumCPU(), "images processed at once")
	project := fs.String("project", "runs", "where run folders go")
	format := fs.String("format", "jsonl", "detections file format: jsonl or csv")
	noSave := fs.Bool("no-save", false, "do not write annotated images")
	asJSON := fs.Bool("json", false, "print a JSON summary")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop predict --model M [options] IMAGE|FOLDER|VIDEO|/dev/videoN|rtsp://… ...")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageError(stderr, fs, "give at least one image, folder or video")
	}
	if *format != "jsonl" && *format != "csv" {
		return usageError(stderr, fs, "--format must be jsonl or csv")
	}
	images, videos, err := predictInputs(pos)
	if err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitUsage
	}
	parallel := min(*workers, len(images))
	if len(videos) > 0 {
		parallel = 1 // frame after frame
	}
	// Ctrl+C stops between images or frames and keeps what is done: the
	// detections file, the pictures, a playable video. For a camera or a
	// stream it is the way to end.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, err := runs.Next(*project, "predict")
	if err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitFindings
	}
	// A video alone: its ffmpeg children start while the model loads.
	var first *inference.VideoJob
	if len(images) == 0 && len(videos) > 0 {
		first = usecase.OpenVideo(videos[0], out, !*noSave, inference.GPUPresent())
	}
	det, err := mf.load(parallel, stderr)
	if err != nil || ctx.Err() != nil {
		if first != nil {
			first.Cancel()
		}
		os.Remove(out) // still empty
		if err != nil {
			fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
			return ExitFindings
		}
		closeDetector(det, stderr, "predict")
		fmt.Fprintln(stderr, "interrupted before anything was done")
		return ExitInterrupted
	}
	defer closeDetector(det, stderr, "predict")
	start := time.Now()
	recs, failed, tm := predictImages(ctx, det, images, mf.thresholds(), *workers, out, !*noSave, stderr)
	vrecs, vfailed, live := predictVideos(ctx, det, first, videos, mf.thresholds(), out, !*noSave, stderr)
	recs, failed = append(recs, vrecs...), failed+vfailed
	if err := inference.WriteRecords(filepath.Join(out, "detections."+*format), recs, *format); err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitFindings
	}
	elapsed := time.Since(start)
	n := len(images) - failed
	if *asJSON {
		json.NewEncoder(stdout).Encode(map[string]any{"run": out, "images": len(images), "videos": len(videos), "failed": failed,
			"detections": len(recs), "seconds": elapsed.Seconds(), "pre_ms": ms(tm.Pre, n), "net_ms": ms(tm.Net, n), "post_ms": ms(tm.Post, n)})
	} else {
		fmt.Fprintf(stdout, "%s, %s, %s in %.1fs -> %s\n", wording.Count(len(images), "image", "images"), wording.Count(len(videos), "video", "videos"),
			wording.Count(len(recs), "detection", "detections"), elapsed.Seconds(), out)
		if n > 0 {
			fmt.Fprintf(stdout, "per image: pre %.1f ms, network %.1f ms, post %.1f ms\n", ms(tm.Pre, n), ms(tm.Net, n), ms(tm.Post, n))
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "%s failed (see above); the rest were processed\n", wording.Count(failed, "input", "inputs"))
		return ExitFindings
	}
	if ctx.Err() != nil && live == 0 {
		fmt.Fprintf(stderr, "interrupted: what was done is saved in %s\n", out)
		return ExitInterrupted
	}
	return ExitOK
}

// predictInputs sorts the command's arguments into images (a folder's
// pictures included) and videos, cameras and streams.
func predictInputs(pos []string) (images, videos []string, err error) {
	for _, p := range pos {
		if video.IsLive(p) && !video.IsCamera(p) {
			videos = append(videos, p) // a stream's URL: nothing on disk
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, nil, err
		case fi.IsDir():
			found, err := video.ListMedia(p, false)
			if err != nil {
				return nil, nil, err
			}
			images = append(images, found...)
		case video.IsVideoPath(p):
			videos = append(videos, p)
		default:
			images = append(images, p)
		}
	}
	return once(images), once(videos), nil
}

// once keeps the first of paths naming one file (a picture given by name
// and through its folder was predicted, and saved, twice).
func once(paths []string) []string {
	seen := map[string]bool{}
	out := paths[:0:0]
	for _, p := range paths {
		key := p
		if abs, err := filepath.Abs(p); err == nil && !video.IsLive(p) {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}

// predictVideos runs the videos one after the other, first being the
// first's job when it was opened early, and says on stderr which failed
// or were stopped. live counts the cameras and streams that Ctrl+C ended,
// which is their ordinary end.
func predictVideos(ctx context.Context, det *inference.Detector, first *inference.VideoJob, videos []string, t detect.Thresholds, out string, save bool, stderr io.Writer) (recs []inference.Record, failed, live int) {
	for i, v := range videos {
		if ctx.Err() != nil {
			break
		}
		job := first
		if i > 0 || job == nil {
			job = usecase.OpenVideo(v, out, save, inference.GPUPresent())
		}
		first = nil
		vr, frames, err := usecase.PredictVideo(ctx, det, job, v, t, nil)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			fmt.Fprintf(stderr, "labelloop predict: %s: stopped after %d frames\n", video.SourceName(v), frames)
			if video.IsLive(v) {
				live++
			}
		default:
			fmt.Fprintf(stderr, "labelloop predict: %s: %v\n", video.SourceName(v), err)
			failed++
		}
		recs = append(recs, vr...)
	}
	if first != nil {
		first.Cancel()
	}
	return recs, failed, live
}

func ms(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond) / float64(n)
}

// predictImages runs images on several workers (usecase.PredictImages),
// saying on stderr which failed; results keep input order.
func predictImages(ctx context.Context, det *inference.Detector, images []string, t detect.Thresholds, workers int, out string, save bool, stderr io.Writer) ([]inference.Record, int, inference.Timing) {
	r := usecase.PredictImages(ctx, det, images, usecase.PredictOptions{Thresholds: t, Workers: workers, Out: out, Save: save}, nil)
	for _, f := range r.Failed {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", f)
	}
	return r.Records, len(r.Failed), r.Timing
}
