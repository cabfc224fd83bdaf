package cli

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/inference"
)

func isVideo(p string) bool { return inference.IsVideoPath(p) }

// predictVideo runs decode, detection and draw+encode as a pipeline, so
// the whole takes little more than detection alone.
func predictVideo(det *inference.Detector, path string, t inference.Thresholds, out string, save bool, stderr io.Writer) ([]detectionRecord, error) {
	vr, err := inference.OpenVideo(path)
	if err != nil {
		return nil, err
	}
	defer vr.Close()
	var vw *inference.VideoWriter
	if save {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".mp4"
		if vw, err = inference.CreateVideo(filepath.Join(out, name), vr.Info); err != nil {
			return nil, err
		}
	}
	type frame struct {
		n    int
		img  *image.RGBA
		dets []inference.Detection
	}
	decoded := make(chan frame, 4)
	detected := make(chan frame, 4)
	errc := make(chan error, 2)
	go func() {
		defer close(decoded)
		for n := 0; ; n++ {
			img, err := vr.Next()
			if err != nil {
				if err != io.EOF {
					errc <- err
				}
				return
			}
			decoded <- frame{n: n, img: img}
		}
	}()
	go func() {
		defer close(detected)
		for f := range decoded {
			dets, _, err := det.Detect(f.img, vr.Info.Width, vr.Info.Height, t)
			if err != nil {
				errc <- err
				for range decoded {
				}
				return
			}
			f.dets = dets
			detected <- f
		}
	}()
	var recs []detectionRecord
	frames := 0
	for f := range detected {
		recs = append(recs, records(path, f.n, f.dets, det.Info.Classes)...)
		if vw != nil {
			inference.DrawOn(f.img, vr.Info.Width, vr.Info.Height, f.dets, det.Info.Classes) // the frame is ours: draw in place
			if err := vw.Write(f.img); err != nil {
				return recs, fmt.Errorf("encoding: %w", err)
			}
		}
		vr.Release(f.img)
		frames++
	}
	if vw != nil {
		if err := vw.Close(); err != nil {
			return recs, fmt.Errorf("encoding: %w", err)
		}
	}
	select {
	case err := <-errc:
		return recs, err
	default:
	}
	if frames == 0 {
		return recs, fmt.Errorf("no frames decoded")
	}
	return recs, nil
}
