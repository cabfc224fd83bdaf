package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/usecase"
)

func runAutolabel(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("autolabel", flag.ContinueOnError)
	mf := addModelFlags(fs, float64(detect.DisplayThresholds.Conf), detect.DisplayThresholds.NMS)
	overwrite := fs.Bool("overwrite", false, "also replace existing annotations (each backed up first)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop autolabel --model M [--conf 0.5] [--overwrite] DIR")
		fmt.Fprintln(stderr, "Writes VOC XML for images that have none, unverified, for review in the editor.")
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
	det, err := mf.load(1, stderr) // one image at a time
	if err != nil {
		fmt.Fprintf(stderr, "labelloop autolabel: %v\n", err)
		return ExitFindings
	}
	defer closeDetector(det, stderr, "autolabel")
	res := usecase.Autolabel(context.Background(), ds, det, mf.thresholds(), *overwrite, nil)
	if res.ClassesErr != nil {
		fmt.Fprintf(stderr, "labelloop autolabel: %v\n", res.ClassesErr)
	}
	for _, f := range res.Failed {
		fmt.Fprintf(stderr, "labelloop autolabel: %v\n", f)
	}
	fmt.Fprintf(stdout, "labelled %s (%s), %d with no detections left unlabelled, skipped %d that have annotations, %d failed\n",
		wording.Count(res.Written, "image", "images"), wording.Count(res.Boxes, "box", "boxes"), res.Empty, res.Skipped, len(res.Failed))
	if res.Backup != "" {
		fmt.Fprintf(stdout, "replaced annotations are backed up in %s\n", res.Backup)
	}
	if len(res.Failed) > 0 {
		return ExitFindings
	}
	return ExitOK
}
