package usecase

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/voc"
)

// EvalSet is the labelled pictures of a dataset's split.
type EvalSet struct {
	Split string
	Items []voc.Item // by id
	// Listed is false when the dataset has no ImageSets/Main/SPLIT.txt:
	// Items are then all its labelled pictures, in the dataset's order.
	Listed  bool
	Missing int // ids of the list that have no labelled picture
}

// EvalItems are the labelled pictures of ImageSets/Main/SPLIT.txt, or all
// labelled pictures when there is no such list.
func EvalItems(ds *voc.Dataset, split string) EvalSet {
	set := EvalSet{Split: split}
	var labelled []voc.Item
	byID := map[string]voc.Item{}
	for _, it := range ds.Items {
		if it.XML != "" && it.Image != "" {
			labelled = append(labelled, it)
			byID[it.ID] = it
		}
	}
	ids, err := voc.ReadImageSet(ds, split)
	if err != nil {
		set.Items = labelled
		return set
	}
	set.Listed = true
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			set.Items = append(set.Items, it)
		} else {
			set.Missing++
		}
	}
	slices.SortFunc(set.Items, func(a, b voc.Item) int { return strings.Compare(a.ID, b.ID) })
	return set
}

// EvalOptions say how to score a model.
type EvalOptions struct {
	Thresholds detect.Thresholds // the detections scored (detect.MAPThresholds for mAP)
	Display    float32           // the score at which precision, recall and F1 count
	Workers    int               // pictures detected at once (at least 1)
}

// EvalResult is a model's metrics on labelled pictures.
type EvalResult struct {
	Model   inference.ModelInfo
	Metrics detect.Metrics
	Images  []detect.EvalImage // per picture, in the items' order
	// Unknown counts the ground-truth boxes of classes the model does not
	// know, by class: left out of the metrics.
	Unknown   map[string]int
	Failed    []FileError // pictures or annotations that could not be read
	Cancelled bool
}

// Evaluate runs det on the items' pictures and scores its detections
// against their annotations. A picture that cannot be read is a failure
// (it counts as one with nothing found and nothing to find); the rest go
// on. progress hears pictures done out of the total; cancelling ctx stops
// it between pictures, the metrics then left empty.
func Evaluate(ctx context.Context, det *inference.Detector, items []voc.Item, opt EvalOptions, progress Progress) EvalResult {
	r := EvalResult{Model: det.Info, Images: make([]detect.EvalImage, len(items)), Unknown: map[string]int{}}
	classIdx := map[string]int{}
	for i, c := range det.Info.Classes {
		classIdx[c] = i
	}
	failed := make([]FileError, len(items)) // Err nil: none
	var mu sync.Mutex                       // Unknown
	inParallel(ctx, len(items), opt.Workers, func(i int) {
		failed[i] = evalOne(det, items[i], opt.Thresholds, classIdx, &r.Images[i], &mu, r.Unknown)
	}, progress)
	for _, f := range failed {
		if f.Err != nil {
			r.Failed = append(r.Failed, f)
		}
	}
	if ctx.Err() != nil {
		r.Cancelled = true
		return r
	}
	r.Metrics = detect.Evaluate(r.Images, det.Info.Classes, opt.Display)
	return r
}

// evalOne detects in one picture and pairs its detections with the
// ground truth of the classes the model knows.
func evalOne(det *inference.Detector, it voc.Item, th detect.Thresholds, classIdx map[string]int, im *detect.EvalImage, mu *sync.Mutex, unknown map[string]int) FileError {
	a, err := voc.LoadAnnotation(it.XML)
	if err != nil {
		return FileError{it.XML, err}
	}
	_, dets, tm, err := det.DetectFile(it.Image, th)
	im.Dets, im.Net = dets, tm.Net
	if err != nil {
		return FileError{it.Image, err}
	}
	for _, o := range a.Objects {
		c, ok := classIdx[o.Name]
		if !ok {
			mu.Lock()
			unknown[o.Name]++
			mu.Unlock()
			continue
		}
		im.Truth = append(im.Truth, detect.GroundTruth{Class: c, Box: o.Box, Difficult: o.Difficult})
	}
	return FileError{}
}

// Comparison is models evaluated on the same pictures, to be read side by
// side (eval --beside, and the Export tab after an int8 export).
type Comparison struct {
	Split   string  // the split's name, or "all labelled"
	Display float64 // the score at which precision, recall and F1 count
	Models  []EvalResult
	// Net is each model's median network time measured in turn on the
	// same pictures (TimeInTurn); nil: the medians of the accuracy pass.
	Net []time.Duration
}

// CompareModels evaluates the ONNX models at paths on the dataset's test
// split (all its labelled pictures when it has none). A picture that
// cannot be evaluated fails the comparison: the columns would not be of
// the same pictures.
func CompareModels(ctx context.Context, dataset string, paths []string, progress Progress) (Comparison, error) {
	c := Comparison{Split: "test", Display: float64(detect.DisplayThresholds.Conf)}
	ds, err := voc.Open(dataset)
	if err != nil {
		return c, err
	}
	set := EvalItems(ds, "test")
	if len(set.Items) == 0 {
		return c, fmt.Errorf("%s: no labelled pictures to compare the models on", dataset)
	}
	if !set.Listed {
		c.Split = "all labelled"
	}
	var dets []*inference.Detector
	defer func() {
		for _, d := range dets {
			d.Close()
		}
	}()
	for k, p := range paths {
		det, err := inference.Load(p, inference.LoadOptions{Threads: 1})
		if err != nil {
			return c, err
		}
		dets = append(dets, det)
		var each Progress
		if progress != nil {
			each = func(done, total int) { progress(k*total+done, len(paths)*total) }
		}
		r := Evaluate(ctx, det, set.Items, EvalOptions{Thresholds: detect.MAPThresholds, Display: detect.DisplayThresholds.Conf, Workers: runtime.NumCPU()}, each)
		switch {
		case len(r.Failed) > 0:
			lines := make([]string, len(r.Failed))
			for i, f := range r.Failed {
				lines[i] = f.Error()
			}
			return c, fmt.Errorf("%d pictures could not be evaluated:\n%s", len(r.Failed), strings.Join(lines, "\n"))
		case r.Cancelled:
			return c, ctx.Err()
		}
		c.Models = append(c.Models, r)
	}
	c.Net = TimeInTurn(dets, set.Items)
	for _, d := range dets {
		if err := d.Close(); err != nil {
			dets = nil
			return c, err
		}
	}
	dets = nil
	return c, nil
}

// Table is the comparison as text: one column per model, the network's
// median time per picture last.
func (c Comparison) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d images (%s)\n", c.images(), c.Split)
	fmt.Fprintf(&b, "  %-14s", "")
	for _, m := range c.Models {
		kind := "float"
		if m.Model.Quantization != "" {
			kind = m.Model.Quantization
		}
		fmt.Fprintf(&b, " %28s", fmt.Sprintf("%s (%s)", filepath.Base(m.Model.Path), kind))
	}
	fmt.Fprintln(&b)
	row := func(name string, f func(m EvalResult, i int) string) {
		fmt.Fprintf(&b, "  %-14s", name)
		for i, m := range c.Models {
			fmt.Fprintf(&b, " %28s", f(m, i))
		}
		fmt.Fprintln(&b)
	}
	row("mAP@0.5", func(m EvalResult, _ int) string { return fmt.Sprintf("%.4f", m.Metrics.MAP50) })
	row("mAP@0.5:0.95", func(m EvalResult, _ int) string { return fmt.Sprintf("%.4f", m.Metrics.MAP5095) })
	row("P / R / F1", func(m EvalResult, _ int) string {
		return fmt.Sprintf("%.3f / %.3f / %.3f", m.Metrics.Precision, m.Metrics.Recall, m.Metrics.F1)
	})
	row("network ms", func(_ EvalResult, i int) string {
		if t := c.net(i); t > 0 {
			return fmt.Sprintf("%.1f", float64(t)/float64(time.Millisecond))
		}
		return "-"
	})
	if len(c.Net) > 0 {
		fmt.Fprintf(&b, "(P, R, F1 at score >= %g; network ms: median over %d pictures, the models in turn, one picture at a time)\n", c.Display, TimedInTurn)
	} else {
		fmt.Fprintf(&b, "(P, R, F1 at score >= %g; network ms: median per image, images run in parallel)\n", c.Display)
	}
	c.tradeOff(&b)
	return b.String()
}

// net is model i's median network time: measured in turn (Net) when it
// was, else over the accuracy pass's pictures (0: none).
func (c Comparison) net(i int) time.Duration {
	if i < len(c.Net) {
		return c.Net[i]
	}
	var t []time.Duration
	for _, im := range c.Models[i].Images {
		t = append(t, im.Net)
	}
	if len(t) == 0 {
		return 0
	}
	slices.Sort(t)
	return t[len(t)/2]
}

func (c Comparison) images() int {
	if len(c.Models) == 0 {
		return 0
	}
	return c.Models[0].Metrics.Images
}
