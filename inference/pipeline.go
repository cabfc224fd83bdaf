package inference

import (
	"context"
	"fmt"
	"image"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/video"
)

// ProcessVideo runs decoding, the network, and box decoding + drawing +
// encoding as a pipeline, so the whole takes little more than detection
// alone. onFrame (optional) sees each frame's detections in order, before
// it is drawn; out == "" detects without writing a video. Cancelling ctx
// stops it and returns ctx's error; the frames done so far have been seen.
//
// Frames travel as yuv420p (see detect.YUVFrame); videos of odd size, which
// yuv420p cannot hold, as RGBA.
func ProcessVideo(ctx context.Context, det *Detector, path string, t detect.Thresholds, out string, onFrame func(n int, dets []detect.Detection)) (frames int, err error) {
	dev, _ := det.Device()
	return OpenVideoJob(path, out, dev != "cpu").Process(ctx, det, t, onFrame)
}

// VideoJob is a video whose ffmpeg children are starting: opened before
// the model is loaded, they load alongside it (ffmpeg takes ~0.35 s to a
// first frame here, a model 0.5 s or more).
type VideoJob struct {
	done chan struct{}
	vr   *video.VideoReader
	vw   *video.VideoWriter
	err  error
	live bool
}

// OpenVideoJob starts opening path (and, when out is set, the encoder
// writing out) in the background; next to a CPU detector (gpu false) the
// decoder gets one thread (see video.OpenPipeline).
func OpenVideoJob(path, out string, gpu bool) *VideoJob {
	threads := 1
	if gpu {
		threads = 0 // ffmpeg's choice
	}
	j := &VideoJob{done: make(chan struct{}), live: video.IsLive(path)}
	go func() {
		defer close(j.done)
		j.vr, j.vw, j.err = video.OpenPipeline(path, out, threads)
	}()
	return j
}

// Cancel closes a job that will not be processed; no file is left.
func (j *VideoJob) Cancel() {
	<-j.done
	if j.err == nil {
		j.vr.Close()
		if j.vw != nil {
			j.vw.Abort()
		}
	}
}

// Process runs the job through det (see ProcessVideo).
func (j *VideoJob) Process(ctx context.Context, det *Detector, t detect.Thresholds, onFrame func(n int, dets []detect.Detection)) (frames int, err error) {
	select {
	case <-j.done:
	case <-ctx.Done(): // stopped while a stream was still being probed
		go j.Cancel()
		return 0, ctx.Err()
	}
	if j.err != nil {
		return 0, j.err
	}
	vr, vw, live := j.vr, j.vw, j.live
	defer vr.Close()
	next, release, write := frameIO(vr, vw)
	info := vr.Info
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	// Stopping kills the decoder too: a stalled stream must not keep
	// Ctrl+C waiting for its next frame.
	defer context.AfterFunc(ctx, vr.Kill)()
	// A live source hands on only its newest frame (see video.Frames); frames
	// from a file all go through.
	decoded := video.Frames(ctx, next, release, live, errc)
	detected := runNetwork(ctx, cancel, det, decoded, release, info.Width, info.Height, errc)
	var werr error
	// held: from a live source, the frame last written, written again in
	// the place of each frame dropped after it, so that the video keeps
	// the source's time.
	var held image.Image
	last := -1
	for f := range detected {
		if werr != nil || ctx.Err() != nil {
			release(f.Frame)
			continue // drain, so the stages above end
		}
		dets := det.decode(f.raw, t)
		if onFrame != nil {
			onFrame(f.N, dets)
		}
		if vw != nil {
			for i := last + 1; held != nil && i < f.N && werr == nil; i++ {
				werr = write(held)
			}
			drawOn(f.Frame, info.Width, info.Height, dets, det.Info.Classes) // the frame is ours: draw in place
			if werr == nil {
				werr = write(f.Frame)
			}
			if werr != nil {
				werr = fmt.Errorf("encoding: %w", werr)
				cancel()
			}
		}
		if held != nil {
			release(held)
			held = nil
		}
		if live {
			held = f.Frame
		} else {
			release(f.Frame)
		}
		last = f.N
		frames++
	}
	if vw != nil {
		if err := vw.Close(); err != nil && werr == nil && parent.Err() == nil {
			werr = fmt.Errorf("encoding: %w", err)
		}
	}
	select {
	case err := <-errc:
		return frames, err
	default:
	}
	if werr != nil {
		return frames, werr
	}
	if err := parent.Err(); err != nil {
		return frames, err
	}
	if frames == 0 {
		return 0, fmt.Errorf("no frames decoded")
	}
	return frames, nil
}

// frameIO is how frames of vr are read, given back and written to vw: as
// YUV when the decoder hands YUV, else as RGBA.
func frameIO(vr *video.VideoReader, vw *video.VideoWriter) (next func() (image.Image, error), release func(image.Image), write func(image.Image) error) {
	next, release = func() (image.Image, error) { return vr.Next() }, func(img image.Image) { vr.Release(img.(*image.RGBA)) }
	if vr.YUV() {
		next, release = func() (image.Image, error) { return vr.NextYUV() }, func(img image.Image) { vr.ReleaseYUV(img.(*detect.YUVFrame)) }
	}
	write = func(img image.Image) error {
		if f, ok := img.(*detect.YUVFrame); ok {
			return vw.WriteYUV(f)
		}
		return vw.Write(img.(*image.RGBA))
	}
	return next, release, write
}

// networkFrame is a decoded frame with the network's raw output on it.
type networkFrame struct {
	video.Numbered[image.Image] // *detect.YUVFrame or *image.RGBA
	raw                         rawOutput
}

// runNetwork is the pipeline's middle stage: the network on each decoded
// frame. The boxes are decoded in the last stage, while the network runs
// on the next frame. An error goes to errc, cancels, and gives back the
// frames still coming.
func runNetwork(ctx context.Context, cancel func(), det *Detector, decoded <-chan video.Numbered[image.Image], release func(image.Image), w, h int, errc chan<- error) <-chan networkFrame {
	detected := make(chan networkFrame, 4)
	go func() {
		defer close(detected)
		for f := range decoded {
			raw, _, err := det.run(f.Frame, w, h)
			if err != nil {
				errc <- err
				cancel()
				for f := range decoded {
					release(f.Frame)
				}
				return
			}
			select {
			case detected <- networkFrame{f, raw}:
			case <-ctx.Done():
			}
		}
	}()
	return detected
}

// drawOn draws the boxes on a frame of either kind.
func drawOn(img image.Image, w, h int, dets []detect.Detection, classes []string) {
	switch img := img.(type) {
	case *detect.YUVFrame:
		detect.DrawOnYUV(img, w, h, dets, classes)
	case *image.RGBA:
		detect.DrawOn(img, w, h, dets, classes)
	}
}
