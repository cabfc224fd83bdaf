package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
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
	res := Autolabel(context.Background(), ds, det, mf.thresholds(), *overwrite, nil, stderr)
	fmt.Fprintf(stdout, "labelled %s (%s), %d with no detections left unlabelled, skipped %d that have annotations, %d failed\n",
		wording.Count(res.Written, "image", "images"), wording.Count(res.Boxes, "box", "boxes"), res.Empty, res.Skipped, res.Failed)
	if res.Backup != "" {
		fmt.Fprintf(stdout, "replaced annotations are backed up in %s\n", res.Backup)
	}
	if res.Failed > 0 {
		return ExitFindings
	}
	return ExitOK
}

// AutolabelResult counts what Autolabel did.
type AutolabelResult struct {
	Written, Boxes, Skipped, Failed int
	Empty                           int // images the model found nothing in: left unlabelled
	Backup                          string
	Cancelled                       bool
}

// Autolabel writes unverified annotations for the dataset's images that
// have none (or all, with overwrite, after a backup). The model's classes
// are appended to classes.txt; existing classes keep their ids.
//
// progress (optional) sees images done out of the total after each image;
// when ctx is cancelled it stops between images, every file written so far
// complete, and r.Cancelled is set.
func Autolabel(ctx context.Context, ds *voc.Dataset, det *inference.Detector, t detect.Thresholds, overwrite bool, progress func(done, total int), stderr io.Writer) AutolabelResult {
	var r AutolabelResult
	total := 0
	for _, it := range ds.Items {
		if it.Image != "" && (it.XML == "" || overwrite) {
			total++
		}
	}
	done := 0
	cp := ds.ClassesPath()
	existing, _ := voc.ReadClasses(cp)
	merged := voc.MergeClasses(existing, det.Info.Classes)
	if len(merged) != len(existing) {
		if err := voc.WriteClasses(cp, merged); err != nil {
			fmt.Fprintf(stderr, "labelloop autolabel: %v\n", err)
		}
	}
	backupDir := voc.DefaultBackupDir(ds.Root)
	for i, it := range ds.Items {
		if it.Image == "" {
			continue
		}
		if it.XML != "" && !overwrite {
			r.Skipped++
			continue
		}
		if progress != nil {
			progress(done, total)
		}
		if ctx.Err() != nil {
			r.Cancelled = true
			break
		}
		done++
		pic, dets, _, err := det.DetectFile(it.Image, t)
		if err != nil {
			r.Failed++
			fmt.Fprintf(stderr, "labelloop autolabel: %s: %v\n", it.Image, err)
			continue
		}
		if len(dets) == 0 {
			// an empty file would count as a labelled image with nothing
			// in it, and go into the split: leave it for a person
			r.Empty++
			continue
		}
		path := it.XML
		if path == "" {
			path = ds.XMLPathFor(it.Image)
		} else {
			if err := voc.Backup(ds.Root, path, backupDir); err != nil {
				r.Failed++
				fmt.Fprintf(stderr, "labelloop autolabel: %v\n", err)
				continue
			}
			r.Backup = backupDir
		}
		a := voc.NewAnnotation(it.Image, pic.W, pic.H, 3)
		a.Prelabelled = filepath.Base(det.Info.Path)
		for _, d := range dets {
			a.Objects = append(a.Objects, voc.Object{Name: det.Info.Classes[d.Class], Box: d.Box})
		}
		if err := voc.SaveAnnotation(path, a); err != nil {
			r.Failed++
			fmt.Fprintf(stderr, "labelloop autolabel: %v\n", err)
			continue
		}
		ds.Items[i].XML = path
		r.Written++
		r.Boxes += len(dets)
	}
	if progress != nil && !r.Cancelled {
		progress(done, total)
	}
	return r
}
