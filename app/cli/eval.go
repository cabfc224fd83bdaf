package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/usecase"
	"github.com/labelloop/labelloop/voc"
)

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	mf := addModelFlags(fs, float64(detect.MAPThresholds.Conf), detect.MAPThresholds.NMS)
	beside := fs.String("beside", "", "a second model (e.g. the float one beside an int8 export) evaluated on the same images, shown side by side")
	split := fs.String("split", "test", "ImageSets/Main list to evaluate (all labelled images if it does not exist)")
	display := fs.Float64("display-conf", float64(detect.DisplayThresholds.Conf), "score threshold for precision, recall and F1")
	workers := fs.Int("workers", runtime.NumCPU(), "images processed at once")
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop eval --model M [--split test] DIR")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if *beside != "" && *asJSON {
		return usageError(stderr, fs, "--beside shows a table; --json is for one model")
	}
	ds, code := oneDataset(fs, pos, stderr)
	if ds == nil {
		return code
	}
	set := usecase.EvalItems(ds, *split)
	switch {
	case !set.Listed:
		fmt.Fprintf(stderr, "note: no ImageSets/Main/%s.txt; evaluating all %d labelled images (run 'labelloop split' for a held-out set)\n", *split, len(set.Items))
	case set.Missing > 0:
		fmt.Fprintf(stderr, "warning: %d ids in %s.txt have no labelled image\n", set.Missing, *split)
	}
	items := set.Items
	if len(items) == 0 {
		fmt.Fprintf(stderr, "labelloop eval: %s: no labelled images to evaluate\n", ds.Root)
		return ExitFindings
	}
	opt := usecase.EvalOptions{Thresholds: mf.thresholds(), Display: float32(*display), Workers: *workers}
	det, err := mf.load(*workers, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "labelloop eval: %v\n", err)
		return ExitFindings
	}
	defer closeDetector(det, stderr, "eval")
	r := evaluate(det, items, opt, stderr)
	if *beside != "" {
		other := mf
		other.model = beside
		det2, err := other.load(*workers, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "labelloop eval: %v\n", err)
			return ExitFindings
		}
		defer closeDetector(det2, stderr, "eval")
		r2 := evaluate(det2, items, opt, stderr)
		c := usecase.Comparison{Split: *split, Display: *display, Models: []usecase.EvalResult{r, r2},
			Net: usecase.TimeInTurn([]*inference.Detector{det, det2}, items)}
		fmt.Fprint(stdout, c.Table())
		if len(r.Failed)+len(r2.Failed) > 0 {
			return ExitFindings
		}
		return ExitOK
	}
	m, failed := r.Metrics, len(r.Failed)
	if *asJSON {
		js := struct {
			detect.Metrics
			Split  string `json:"split"`
			Failed int    `json:"failed"`
		}{m, *split, failed}
		for i := range js.Classes { // NaN is not JSON: a class without ground truth has no AP
			if math.IsNaN(js.Classes[i].AP50) {
				js.Classes[i].AP50, js.Classes[i].AP5095 = -1, -1
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(js)
	} else {
		fmt.Fprintf(stdout, "%d images (%s)\n", m.Images, *split)
		fmt.Fprintf(stdout, "  %-20s %6s %8s %9s %6s %6s %6s\n", "class", "truth", "AP50", "AP50-95", "P", "R", "F1")
		for _, c := range m.Classes {
			ap, ap95 := fmt.Sprintf("%8.4f", c.AP50), fmt.Sprintf("%9.4f", c.AP5095)
			if math.IsNaN(c.AP50) {
				ap, ap95 = fmt.Sprintf("%8s", "-"), fmt.Sprintf("%9s", "-")
			}
			fmt.Fprintf(stdout, "  %-20s %6d %s %s %6.3f %6.3f %6.3f\n", c.Name, c.Truths, ap, ap95, c.Precision, c.Recall, c.F1)
		}
		fmt.Fprintf(stdout, "mAP@0.5 %.4f   mAP@0.5:0.95 %.4f   P %.3f  R %.3f  F1 %.3f (at score >= %g)\n", m.MAP50, m.MAP5095, m.Precision, m.Recall, m.F1, *display)
		fmt.Fprintln(stdout, "(AP: VOC all-point interpolation, difficult objects ignored; AP50-95: COCO-style 101-point; '-': no ground truth, left out of the mean)")
	}
	if failed > 0 {
		return ExitFindings
	}
	return ExitOK
}

// evaluate runs usecase.Evaluate, saying on stderr which pictures
// failed and which ground-truth classes the model does not know.
func evaluate(det *inference.Detector, items []voc.Item, opt usecase.EvalOptions, stderr io.Writer) usecase.EvalResult {
	r := usecase.Evaluate(context.Background(), det, items, opt, nil)
	for _, f := range r.Failed {
		fmt.Fprintf(stderr, "labelloop eval: %v\n", f)
	}
	names := make([]string, 0, len(r.Unknown))
	for name := range r.Unknown {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(stderr, "warning: %d ground-truth boxes of class %q, which the model does not know, were left out\n", r.Unknown[name], name)
	}
	return r
}
