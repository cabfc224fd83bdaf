package usecase

import (
	"context"
	"sync"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/imgload"
)

// Detected is a picture already detected (the one on screen): saved as it
// is, not detected again.
type Detected struct {
	Pic  *imgload.Picture
	Dets []detect.Detection
}

// PredictOptions say how to run a batch of pictures.
type PredictOptions struct {
	Thresholds detect.Thresholds
	Workers    int    // pictures detected at once (at least 1)
	Out        string // where annotated copies go (SaveAnnotated), when Save
	Save       bool
	Given      map[string]Detected // by path: pictures not to detect again
}

// PredictResult is a batch's detections, one record per box in the
// pictures' order, its failures per file, and the time the detected
// pictures took (Pre, Net, Post summed).
type PredictResult struct {
	Records []inference.Record
	Failed  []FileError
	Timing  inference.Timing
	Done    int // pictures handled, failed ones included
}

// PredictImages detects in the pictures, on opt.Workers goroutines, and
// saves their annotated copies when asked. A picture whose copy could not
// be written is a failure, its detections still recorded. progress hears
// pictures handled out of the total; cancelling ctx stops it between
// pictures.
func PredictImages(ctx context.Context, det *inference.Detector, images []string, opt PredictOptions, progress Progress) PredictResult {
	results := make([][]inference.Record, len(images))
	failed := make([]error, len(images))
	var mu sync.Mutex // timing
	var r PredictResult
	names := resultNames(images)
	r.Done = inParallel(ctx, len(images), opt.Workers, func(i int) {
		results[i], failed[i] = predictOne(det, images[i], names[i], opt, &mu, &r.Timing)
	}, progress)
	for i := range images {
		r.Records = append(r.Records, results[i]...)
		if failed[i] != nil {
			r.Failed = append(r.Failed, FileError{images[i], failed[i]})
		}
	}
	return r
}

// predictOne detects in one picture (or takes it from opt.Given) and
// saves its annotated copy as name.
func predictOne(det *inference.Detector, path, name string, opt PredictOptions, mu *sync.Mutex, total *inference.Timing) ([]inference.Record, error) {
	d, ok := opt.Given[path]
	if !ok {
		pic, dets, tm, err := det.DetectFile(path, opt.Thresholds)
		if err != nil {
			return nil, err // FileError names the picture
		}
		mu.Lock()
		total.Pre, total.Net, total.Post = total.Pre+tm.Pre, total.Net+tm.Net, total.Post+tm.Post
		mu.Unlock()
		d = Detected{pic, dets}
	}
	recs := inference.Records(path, 0, d.Dets, det.Info.Classes)
	if opt.Save {
		if _, err := SaveAnnotated(opt.Out, name, path, detect.Annotate(d.Pic.Img, d.Pic.W, d.Pic.H, d.Dets, det.Info.Classes)); err != nil {
			return recs, err
		}
	}
	return recs, nil
}
