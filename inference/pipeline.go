package inference

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
)

// ProcessVideo runs decoding, the network, and box decoding + drawing +
// encoding as a pipeline, so the whole takes little more than detection
// alone. onFrame (optional) sees each frame's detections in order, before
// it is drawn; out == "" detects without writing a video. Cancelling ctx
// stops it and returns ctx's error; the frames done so far have been seen.
//
// Frames travel as yuv420p (see YUVFrame); videos of odd size, which
// yuv420p cannot hold, as RGBA.
func ProcessVideo(ctx context.Context, det *Detector, path string, t Thresholds, out string, onFrame func(n int, dets []Detection)) (frames int, err error) {
	threads := 0 // decoder: ffmpeg's choice next to a GPU detector
	if dev, _ := det.Device(); dev == "cpu" {
		threads = 1
	}
	vr, vw, err := openPipeline(path, out, threads)
	if err != nil {
		return 0, err
	}
	defer vr.Close()
	type frame struct {
		n   int
		img image.Image // *YUVFrame or *image.RGBA
		raw rawOutput
	}
	next := func() (image.Image, error) {
		if vr.y4m {
			return vr.NextYUV()
		}
		return vr.Next()
	}
	info := vr.Info
	// the frame is ours: draw in place, encode, hand back for reuse
	finish := func(img image.Image, dets []Detection) error {
		var err error
		switch f := img.(type) {
		case *YUVFrame:
			if vw != nil {
				DrawOnYUV(f, info.Width, info.Height, dets, det.Info.Classes)
				err = vw.WriteYUV(f)
			}
			vr.ReleaseYUV(f)
		case *image.RGBA:
			if vw != nil {
				DrawOn(f, info.Width, info.Height, dets, det.Info.Classes)
				err = vw.Write(f)
			}
			vr.Release(f)
		}
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	decoded := make(chan frame, 4)
	detected := make(chan frame, 4)
	errc := make(chan error, 2)
	go func() {
		defer close(decoded)
		for n := 0; ; n++ {
			img, err := next()
			if err != nil {
				if err != io.EOF {
					errc <- err
				}
				return
			}
			select {
			case decoded <- frame{n: n, img: img}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer close(detected)
		for f := range decoded {
			// the boxes are decoded in the last stage, while the network
			// runs on the next frame
			raw, _, err := det.run(f.img, vr.Info.Width, vr.Info.Height)
			if err != nil {
				errc <- err
				cancel()
				for range decoded {
				}
				return
			}
			f.raw = raw
			select {
			case detected <- f:
			case <-ctx.Done():
			}
		}
	}()
	var werr error
	for f := range detected {
		if werr != nil || ctx.Err() != nil {
			continue // drain, so the stages above end
		}
		dets := det.decode(f.raw, t)
		if onFrame != nil {
			onFrame(f.n, dets)
		}
		if err := finish(f.img, dets); err != nil {
			werr = fmt.Errorf("encoding: %w", err)
			cancel()
		}
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

// openPipeline starts the decoder and, when out is set, the encoder. The
// encoder starts first, on y4m input, so that both children load at once;
// a video of odd size sends both back for RGBA ones.
func openPipeline(path, out string, threads int) (*VideoReader, *VideoWriter, error) {
	var vw *VideoWriter
	var err error
	if out != "" {
		if vw, err = CreateVideoYUV(out); err != nil {
			return nil, nil, err
		}
	}
	vr, err := openY4M(path, threads)
	if err == nil {
		if vw != nil {
			if err = vw.BeginYUV(vr); err != nil {
				vr.Close()
				vw.Abort()
				return nil, nil, fmt.Errorf("encoding: %w", err)
			}
		}
		return vr, vw, nil
	}
	if vw != nil {
		vw.Abort()
		vw = nil
	}
	if !errors.Is(err, errOddSize) {
		return nil, nil, err
	}
	if vr, err = OpenVideo(path); err != nil {
		return nil, nil, err
	}
	if out != "" {
		if vw, err = CreateVideo(out, vr.Info); err != nil {
			vr.Close()
			return nil, nil, err
		}
	}
	return vr, vw, nil
}
