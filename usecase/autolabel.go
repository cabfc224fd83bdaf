package usecase

import (
	"context"
	"path/filepath"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/voc"
)

// AutolabelResult counts what Autolabel did.
type AutolabelResult struct {
	Written, Boxes, Skipped int
	Empty                   int    // images the model found nothing in: left unlabelled
	Backup                  string // where replaced annotations went (overwrite)
	Cancelled               bool
	// ClassesErr is classes.txt not updated with the model's classes (the
	// annotations name them all the same).
	ClassesErr error
	Failed     []FileError
}

// Autolabel writes unverified annotations for the dataset's images that
// have none (or all, with overwrite, after a backup). The model's classes
// are appended to classes.txt; existing classes keep their ids.
//
// progress sees images done out of the total after each image; when ctx
// is cancelled it stops between images, every file written so far
// complete, and Cancelled is set.
func Autolabel(ctx context.Context, ds *voc.Dataset, det *inference.Detector, t detect.Thresholds, overwrite bool, progress Progress) AutolabelResult {
	var r AutolabelResult
	if progress == nil {
		progress = func(int, int) {}
	}
	total := 0
	for _, it := range ds.Items {
		if it.Image != "" && (it.XML == "" || overwrite) {
			total++
		}
	}
	done := 0
	cp := ds.ClassesPath()
	existing, _ := voc.ReadClasses(cp)
	if merged := voc.MergeClasses(existing, det.Info.Classes); len(merged) != len(existing) {
		r.ClassesErr = voc.WriteClasses(cp, merged)
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
		progress(done, total)
		if ctx.Err() != nil {
			r.Cancelled = true
			break
		}
		done++
		pic, dets, _, err := det.DetectFile(it.Image, t)
		if err != nil {
			r.Failed = append(r.Failed, FileError{it.Image, err})
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
				r.Failed = append(r.Failed, FileError{path, err})
				continue
			}
			r.Backup = backupDir
		}
		a := voc.NewAnnotation(it.Image, pic.W, pic.H, 3)
		a.Prelabelled = filepath.Base(det.Info.Path)
		a.Objects = Objects(dets, det.Info.Classes)
		if err := voc.SaveAnnotation(path, a); err != nil {
			r.Failed = append(r.Failed, FileError{path, err})
			continue
		}
		ds.Items[i].XML = path
		r.Written++
		r.Boxes += len(dets)
	}
	if !r.Cancelled {
		progress(done, total)
	}
	return r
}

// Objects are detections as VOC objects, named by the model's classes:
// what pre-labelling one image and Autolabel both write.
func Objects(dets []detect.Detection, classes []string) []voc.Object {
	objs := make([]voc.Object, len(dets))
	for i, d := range dets {
		objs[i] = voc.Object{Name: classes[d.Class], Box: d.Box}
	}
	return objs
}
