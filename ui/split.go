package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/voc"
)

// SplitPanel is the split generator of the Dataset tab: the options of
// `labelloop split`, a preview of images per class in each split that
// follows every change, and a button that writes the lists.
type SplitPanel struct {
	Content fyne.CanvasObject
	// OnWritten runs after the lists are written (the window re-checks).
	OnWritten func()

	ds        *voc.Dataset
	trainval  *widget.Entry
	train     *widget.Entry
	seed      *widget.Entry
	stratify  *widget.Check
	difficult *widget.Check
	preview   *widget.Label
	write     *widget.Button
	plan      *voc.SplitPlan
	src       *voc.SplitSource // ds's annotations as last read; nil: read them again
	srcVer    int              // bumped when what was read may be out of date
	gen       int              // the newest preview request; older results are dropped
	// background runs planning off the UI goroutine; tests make it inline
	background func(func())
}

// NewSplitPanel builds the panel with the reference's defaults.
func NewSplitPanel() *SplitPanel {
	def := voc.DefaultSplitOptions()
	p := &SplitPanel{background: func(f func()) { go f() }}
	entry := func(v string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(v)
		e.OnChanged = func(string) { p.Preview() }
		return e
	}
	p.trainval = entry(strconv.FormatFloat(def.TrainVal, 'g', -1, 64))
	p.train = entry(strconv.FormatFloat(def.Train, 'g', -1, 64))
	p.seed = entry(strconv.FormatUint(def.Seed, 10))
	p.stratify = widget.NewCheck("Keep each class's share in every split", func(bool) { p.Preview() })
	p.stratify.Checked = def.Stratify
	p.difficult = widget.NewCheck("Leave difficult boxes out", func(bool) { p.Preview() })
	p.difficult.Checked = def.SkipDifficult
	p.preview = widget.NewLabel("Open a dataset to split it.")
	p.preview.TextStyle.Monospace = true
	p.write = widget.NewButton("Write split", p.onWrite)
	p.write.Importance = widget.HighImportance
	p.write.Disable()
	form := widget.NewForm(
		widget.NewFormItem("Train+val share", p.trainval),
		widget.NewFormItem("Train share of it", p.train),
		widget.NewFormItem("Seed", p.seed),
	)
	title := widget.NewLabelWithStyle("Split into train / val / test", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.Content = container.NewBorder(container.NewVBox(title, form, p.stratify, p.difficult, p.write), nil, nil, nil,
		container.NewScroll(p.preview))
	return p
}

// SetDataset previews a split of ds.
func (p *SplitPanel) SetDataset(ds *voc.Dataset) {
	p.ds = ds
	p.Stale()
	p.Preview()
}

// Stale says the annotations changed on disk (the editor saved one): the
// next preview reads them again. Option changes alone re-plan from what
// was read.
func (p *SplitPanel) Stale() { p.src, p.srcVer = nil, p.srcVer+1 }

// options reads the form; the error names the field that is wrong.
func (p *SplitPanel) options() (voc.SplitOptions, error) {
	opt := voc.SplitOptions{Stratify: p.stratify.Checked, SkipDifficult: p.difficult.Checked}
	for _, f := range []struct {
		name string
		e    *widget.Entry
		v    *float64
	}{{"Train+val share", p.trainval, &opt.TrainVal}, {"Train share", p.train, &opt.Train}} {
		v, err := strconv.ParseFloat(strings.TrimSpace(f.e.Text), 64)
		if err != nil || v <= 0 || v > 1 {
			return opt, fmt.Errorf("%s must be a number in (0, 1], like 0.9", f.name)
		}
		*f.v = v
	}
	seed, err := strconv.ParseUint(strings.TrimSpace(p.seed.Text), 10, 64)
	if err != nil {
		//lint:ignore ST1005 a sentence for a dialog, naming the field as its label does
		return opt, errors.New("Seed must be a whole number ≥ 0")
	}
	opt.Seed = seed
	return opt, nil
}

// Preview plans the split with the current options (reading the
// annotations off the UI goroutine when they are not read yet) and shows
// its per-class counts.
func (p *SplitPanel) Preview() {
	p.gen++
	gen, ds, src, ver := p.gen, p.ds, p.src, p.srcVer
	p.plan = nil
	p.write.Disable()
	if ds == nil {
		return
	}
	opt, err := p.options()
	if err != nil {
		p.preview.SetText(err.Error())
		return
	}
	p.background(func() {
		var err error
		if src == nil {
			src, err = voc.ReadSplitSource(ds)
		}
		var plan *voc.SplitPlan
		if err == nil {
			plan, err = src.Plan(opt)
		}
		fyne.Do(func() {
			if ver == p.srcVer && src != nil {
				p.src = src // read before any save since: reuse it
			}
			if gen != p.gen {
				return
			}
			if err != nil {
				p.preview.SetText(err.Error())
				return
			}
			p.plan = plan
			p.preview.SetText(FormatSplit(plan))
			p.write.Enable()
		})
	})
}

// FormatSplit is the preview: split sizes, then images containing each
// class per split.
func FormatSplit(plan *voc.SplitPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %6s %6s %6s\n", "", "train", "val", "test")
	fmt.Fprintf(&b, "%-14s %6d %6d %6d\n", "images", len(plan.Train), len(plan.Val), len(plan.Test))
	var noVal []string
	for i, c := range plan.Classes {
		name := c
		if len([]rune(name)) > 14 {
			name = string([]rune(name)[:13]) + "…"
		}
		fmt.Fprintf(&b, "%-14s %6d %6d %6d\n", name, plan.Counts["train"][i], plan.Counts["val"][i], plan.Counts["test"][i])
		if plan.Counts["val"][i] == 0 {
			noVal = append(noVal, c)
		}
	}
	for _, c := range noVal {
		fmt.Fprintf(&b, "\n%q has no image in val: its mAP cannot be measured.", c)
	}
	if len(plan.Skipped) > 0 {
		fmt.Fprintf(&b, "\n%d annotations left out (see the findings).", len(plan.Skipped))
	}
	return b.String()
}

// onWrite writes ImageSets/Main and the reference's lists, as `labelloop
// split` does (refusing before writing anything when a path cannot go in
// the reference's space-separated lists).
func (p *SplitPanel) onWrite() {
	plan, ds := p.plan, p.ds
	if plan == nil || ds == nil {
		return
	}
	err := plan.CheckReferencePaths()
	if err == nil {
		err = plan.WriteImageSets(ds)
	}
	if err == nil {
		err = plan.WriteReferenceLists(ds)
	}
	if err != nil {
		p.preview.SetText("Not written: " + err.Error())
		return
	}
	p.Stale() // classes.txt may exist now
	p.preview.SetText(FormatSplit(plan) + "\n\nWritten: " + filepath.Join("ImageSets", "Main") + "/*.txt\nand 2007_train.txt, 2007_val.txt")
	if p.OnWritten != nil {
		p.OnWritten()
	}
}
