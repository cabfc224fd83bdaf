package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/voc"
)

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	mf := addModelFlags(fs, float64(detect.MAPThresholds.Conf), detect.MAPThresholds.NMS)
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
	for w := 0; w < max(1, *workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				it := items[i]
				a, err := voc.LoadAnnotation(it.XML)
				if err == nil {
					_, dets, _, derr := det.DetectFile(it.Image, mf.thresholds())
					err = derr
					images[i].Dets = dets
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
	for name, n := range unknown {
		fmt.Fprintf(stderr, "warning: %d ground-truth boxes of class %q, which the model does not know, were left out\n", n, name)
	}
	m := detect.Evaluate(images, det.Info.Classes, float32(*display))
	if *asJSON {
		js := struct {
			detect.Metrics
			Split  string `json:"split"`
			Failed int    `json:"failed"`
		}{m, *split, int(failed.Load())}
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
	if failed.Load() > 0 {
		return ExitFindings
	}
	return ExitOK
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
