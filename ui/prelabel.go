package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/lease"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/usecase"
)

// PrelabelAllFunc writes unverified annotations for the dataset's
// unlabelled images with the model (the app wires it to labelloop
// autolabel) and says how many it wrote. It reports progress and stops
// between images when ctx is cancelled.
type PrelabelAllFunc func(ctx context.Context, dataset string, det *inference.Detector, t detect.Thresholds, progress func(done, total int)) (written, boxes, empty int, err error)

// modelSource is what labelling asks of the Predict tab: the chosen model,
// the sliders' thresholds, and a loader of a lease on the open detector
// (settings read when asked, on the UI goroutine; the lease taken later,
// off it).
type modelSource interface {
	ModelPath() string
	thresholds() detect.Thresholds
	leaser() func() (*lease.Lease[*inference.Detector], error)
}

// prelabel runs the Predict tab's model on the open image and adds its
// detections (at the Predict tab's thresholds) as one undoable edit, leaving the image
// unverified for review. Ctrl+P.
func (l *LabelScreen) prelabel() {
	if l.doc == nil || l.cur < 0 {
		return
	}
	mp := l.models.ModelPath()
	if mp == "" {
		l.status.SetText("Pre-label: choose a model in the Predict tab (Export makes one from a training run).")
		return
	}
	path, cur := l.ds.Items[l.cur].Image, l.cur
	l.status.SetText("Pre-labelling…")
	load, thr := l.models.leaser(), l.models.thresholds()
	l.background(func() {
		held, err := load()
		var dets []detect.Detection
		var classes []string
		if err == nil {
			_, dets, _, err = held.Value.DetectFile(path, thr)
			classes = held.Value.Info.Classes
			held.Release()
		}
		fyne.Do(func() {
			if err != nil {
				l.status.SetText("Pre-label: " + err.Error())
				return
			}
			if l.cur != cur || l.doc == nil {
				return // the user moved on
			}
			objs := usecase.Objects(dets, classes)
			if len(objs) == 0 { // nothing to review: no edit (an empty annotation made it a background picture)
				l.status.SetText(fmt.Sprintf("Pre-label: %s found nothing at confidence ≥ %.2f; the image is left as it was", filepath.Base(mp), thr.Conf))
				return
			}
			l.doc.Prelabel(objs, filepath.Base(mp))
			l.docChanged()
			l.editor.Refresh() // the boxes came from outside the editor
			l.status.SetText(fmt.Sprintf("Pre-labelled by %s: %s to review (Ctrl+Z undoes them)", filepath.Base(mp), wording.Count(len(objs), "box", "boxes")))
		})
	})
}

// prelabelAll pre-labels every unlabelled image, then reopens the dataset.
func (l *LabelScreen) prelabelAll() {
	if l.ds == nil || l.PrelabelAll == nil {
		return
	}
	mp := l.models.ModelPath()
	if mp == "" {
		l.status.SetText("Pre-label: choose a model in the Predict tab (Export makes one from a training run).")
		return
	}
	unlabelled := 0
	for _, it := range l.ds.Items {
		if it.XML == "" && it.Image != "" {
			unlabelled++
		}
	}
	if unlabelled == 0 {
		l.status.SetText("Pre-label: every image has an annotation already.")
		return
	}
	thr := l.models.thresholds()
	// it writes many files at once and Ctrl+Z cannot take it back: say so
	msg := fmt.Sprintf("Run %s on %s with no annotation (confidence ≥ %.2f)?\n\nTheir boxes are written to new annotation files, marked pre-labelled\nfor review (the Pre-labelled filter lists them). Ctrl+Z cannot undo this;\ndeleting those files can.",
		filepath.Base(mp), wording.Count(unlabelled, "image", "images"), thr.Conf)
	dialog.ShowConfirm("Pre-label all unlabelled images", msg, func(ok bool) {
		if ok {
			l.runPrelabelAll(thr)
		}
	}, l.win)
}

// runPrelabelAll is prelabelAll once confirmed.
func (l *LabelScreen) runPrelabelAll(thr detect.Thresholds) {
	if l.ds == nil {
		return
	}
	if l.hasUnsaved() && !l.saveAll() {
		return
	}
	root, load := l.ds.Root, l.models.leaser()
	ctx, cancel := context.WithCancel(context.Background())
	bar := widget.NewProgressBar()
	count := widget.NewLabel("Starting…")
	prog := dialog.NewCustom("Pre-labelling unlabelled images…", "Cancel", container.NewVBox(bar, count), l.win)
	finished := false // Fyne calls OnClosed on Hide too: cancel only a user's Cancel
	prog.SetOnClosed(func() {
		if !finished {
			cancel()
		}
	})
	prog.Resize(fyne.NewSize(420, 140))
	prog.Show()
	var last time.Time
	l.background(func() {
		// the Predict tab's model, opened once for both
		held, err := load()
		n, boxes, empty := 0, 0, 0
		if err == nil {
			defer held.Release()
			n, boxes, empty, err = l.PrelabelAll(ctx, root, held.Value, thr, func(done, total int) {
				if time.Since(last) < 50*time.Millisecond {
					return
				}
				last = time.Now()
				fyne.Do(func() {
					bar.SetValue(float64(done) / float64(max(total, 1)))
					count.SetText(fmt.Sprintf("%d of %s", done, wording.Count(total, "image", "images")))
				})
			})
		}
		cancelled := ctx.Err() != nil
		fyne.Do(func() {
			finished = true
			prog.Hide()
			cancel()
			if err != nil {
				dialog.ShowError(err, l.win)
				return
			}
			what := "Pre-labelled"
			if cancelled {
				what = "Cancelled; pre-labelled"
			}
			msg := fmt.Sprintf("%s %s with %s; review them with the Pre-labelled filter", what, wording.Count(n, "image", "images"), wording.Count(boxes, "box", "boxes"))
			if empty > 0 {
				msg += fmt.Sprintf(" (%s with no detections left unlabelled)", wording.Count(empty, "image", "images"))
			}
			// a batch job's result stays until it is read: the status line
			// is rewritten as the new files are checked and shown
			dialog.ShowInformation("Pre-labelling finished", msg, l.win)
			if ds := l.ds; ds != nil && ds.Root == root {
				l.background(func() { l.rescan(ds.Root, nil) })
			}
		})
	})
}

// prelabelButton is one toolbar button with a menu: this image, or all
// unlabelled ones (two buttons made the toolbar wider than a 1280 px
// screen).
func (l *LabelScreen) prelabelButton() fyne.CanvasObject {
	var b *widget.Button
	b = widget.NewButton("Pre-label…", func() {
		m := fyne.NewMenu("",
			fyne.NewMenuItem("This image (Ctrl+P)", l.prelabel),
			fyne.NewMenuItem("All unlabelled images", l.prelabelAll))
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		widget.ShowPopUpMenuAtPosition(m, l.win.Canvas(), pos.AddXY(0, b.Size().Height))
	})
	return b
}
