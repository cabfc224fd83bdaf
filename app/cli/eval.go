package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
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
	items, note := splitItems(ds, *split)
	if note != "" {
		fmt.Fprintln(stderr, note)
	}
	if len(items) == 0 {
		fmt.Fprintf(stderr, "labelloop eval: %s: no labelled images to evaluate\n", ds.Root)
		return ExitFindings
	}
	det, err := mf.load(*workers, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "labelloop eval: %v\n", err)
		return ExitFindings
	}
	defer closeDetector(det, stderr, "eval")
	images, failed := evalImages(det, items, mf.thresholds(), *workers, stderr)
	if *beside != "" {
		other := mf
		other.model = beside
		det2, err := other.load(*workers, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "labelloop eval: %v\n", err)
			return ExitFindings
		}
		defer closeDetector(det2, stderr, "eval")
		images2, failed2 := evalImages(det2, items, mf.thresholds(), *workers, stderr)
		m1 := detect.Evaluate(images, det.Info.Classes, float32(*display))
		m2 := detect.Evaluate(images2, det2.Info.Classes, float32(*display))
		dets := []*inference.Detector{det, det2}
		printBeside(stdout, *split, *display, dets, []detect.Metrics{m1, m2}, timeBeside(dets, items))
		if failed+failed2 > 0 {
			return ExitFindings
		}
		return ExitOK
	}
	m := detect.Evaluate(images, det.Info.Classes, float32(*display))
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

// evalImages runs det on the items (workers at a time) and pairs its
// detections with the ground truth of the classes it knows; failed counts
// the images that could not be read, each reported on stderr.
func evalImages(det *inference.Detector, items []voc.Item, th detect.Thresholds, workers int, stderr io.Writer) ([]detect.EvalImage, int) {
	classIdx := map[string]int{}
	for i, c := range det.Info.Classes {
		classIdx[c] = i
	}
	images := make([]detect.EvalImage, len(items))
	unknown := map[string]int{}
	var failed atomic.Int32
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				it := items[i]
				a, err := voc.LoadAnnotation(it.XML)
				if err == nil {
					_, dets, tm, derr := det.DetectFile(it.Image, th)
					err = derr
					images[i].Dets = dets
					images[i].Net = tm.Net
				}
				if err != nil {
					failed.Add(1)
					mu.Lock()
					fmt.Fprintf(stderr, "labelloop eval: %v\n", err)
					mu.Unlock()
					continue
				}
				for _, o := range a.Objects {
					c, ok := classIdx[o.Name]
					if !ok {
						mu.Lock()
						unknown[o.Name]++
						mu.Unlock()
						continue
					}
					images[i].Truth = append(images[i].Truth, detect.GroundTruth{Class: c, Box: o.Box, Difficult: o.Difficult})
				}
			}
		}()
	}
	wg.Wait()
	names := make([]string, 0, len(unknown))
	for name := range unknown {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(stderr, "warning: %d ground-truth boxes of class %q, which the model does not know, were left out\n", unknown[name], name)
	}
	return images, int(failed.Load())
}

// printBeside shows two models' metrics on the same images, column by
// column, with the network's median time per image.
func printBeside(w io.Writer, split string, display float64, dets []*inference.Detector, ms []detect.Metrics, net []time.Duration) {
	fmt.Fprintf(w, "%d images (%s)\n", ms[0].Images, split)
	fmt.Fprintf(w, "  %-14s", "")
	for _, d := range dets {
		kind := "float"
		if d.Info.Quantization != "" {
			kind = d.Info.Quantization
		}
		fmt.Fprintf(w, " %28s", fmt.Sprintf("%s (%s)", filepath.Base(d.Info.Path), kind))
	}
	fmt.Fprintln(w)
	row := func(name string, f func(i int) string) {
		fmt.Fprintf(w, "  %-14s", name)
		for i := range dets {
			fmt.Fprintf(w, " %28s", f(i))
		}
		fmt.Fprintln(w)
	}
	row("mAP@0.5", func(i int) string { return fmt.Sprintf("%.4f", ms[i].MAP50) })
	row("mAP@0.5:0.95", func(i int) string { return fmt.Sprintf("%.4f", ms[i].MAP5095) })
	row("P / R / F1", func(i int) string { return fmt.Sprintf("%.3f / %.3f / %.3f", ms[i].Precision, ms[i].Recall, ms[i].F1) })
	row("network ms", func(i int) string {
		if net[i] <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(net[i])/float64(time.Millisecond))
	})
	fmt.Fprintf(w, "(P, R, F1 at score >= %g; network ms: median over %d pictures, the models in turn, one picture at a time)\n", display, besideTimed)
	printTradeOff(w, dets, ms, net)
}

// splitItems are the labelled items of ImageSets/Main/SPLIT.txt, or all
// labelled items when there is no such list.
func splitItems(ds *voc.Dataset, split string) ([]voc.Item, string) {
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
		return labelled, fmt.Sprintf("note: no ImageSets/Main/%s.txt; evaluating all %d labelled images (run 'labelloop split' for a held-out set)", split, len(labelled))
	}
	var out []voc.Item
	missing := 0
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		} else {
			missing++
		}
	}
	slices.SortFunc(out, func(a, b voc.Item) int { return strings.Compare(a.ID, b.ID) })
	note := ""
	if missing > 0 {
		note = fmt.Sprintf("warning: %d ids in %s.txt have no labelled image", missing, split)
	}
	return out, note
}

// CompareModels evaluates two models on a dataset's test split (all its
// labelled pictures when it has none) and returns eval --beside's table.
func CompareModels(dataset, a, b string) (string, error) {
	ds, err := voc.Open(dataset)
	if err != nil {
		return "", err
	}
	items, _ := splitItems(ds, "test")
	if len(items) == 0 {
		return "", fmt.Errorf("%s: no labelled pictures to compare the models on", dataset)
	}
	var dets []*inference.Detector
	var ms []detect.Metrics
	var log strings.Builder
	for _, p := range []string{a, b} {
		det, err := inference.Load(p, inference.LoadOptions{Threads: 1})
		if err != nil {
			return "", err
		}
		defer det.Close()
		images, failed := evalImages(det, items, detect.MAPThresholds, runtime.NumCPU(), &log)
		if failed > 0 {
			return "", fmt.Errorf("%d pictures could not be evaluated:\n%s", failed, log.String())
		}
		dets, ms = append(dets, det), append(ms, detect.Evaluate(images, det.Info.Classes, detect.DisplayThresholds.Conf))
	}
	var out strings.Builder
	split := "test"
	if _, err := voc.ReadImageSet(ds, "test"); err != nil {
		split = "all labelled"
	}
	printBeside(&out, split, float64(detect.DisplayThresholds.Conf), dets, ms, timeBeside(dets, items))
	return out.String(), nil
}
