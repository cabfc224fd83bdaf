package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/labelloop/labelloop/internal/runs"
)

// RunsPanel lists a dataset's training runs with their settings and best
// mAP; ticking runs overlays their validation loss and mAP per epoch, so
// runs can be compared.
type RunsPanel struct {
	Content fyne.CanvasObject

	list  *widget.List
	runs  []runInfo
	val   *Chart
	mAP   *Chart
	empty *widget.Label
	// background reads the runs off the UI goroutine; tests make it inline
	background func(func())
}

// runInfo is what the panel knows of one run folder.
type runInfo struct {
	Dir, Summary string
	Checked      bool
	Failed       bool // ended with an error before any epoch
	Finished     bool // ran all its epochs
	Planned      int  // its epochs, from config.json
	valX, valY   []float64
	mapX, mapY   []float64
}

// NewRunsPanel builds an empty panel.
func NewRunsPanel() *RunsPanel {
	p := &RunsPanel{background: func(f func()) { go f() }}
	p.val = NewChart("Validation loss")
	p.mAP = NewChart("mAP@0.5")
	p.mAP.Share = true
	p.empty = widget.NewLabel("No runs yet.")
	hint := widget.NewLabel("Tick runs to compare their curves per epoch.")
	hint.Wrapping = fyne.TextWrapWord
	p.list = widget.NewList(func() int { return len(p.runs) },
		func() fyne.CanvasObject { return widget.NewCheck("", nil) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*widget.Check)
			r := &p.runs[id]
			c.OnChanged = nil
			c.Text = filepath.Base(r.Dir) + ": " + r.Summary
			c.Checked = r.Checked
			c.Refresh() // a recycled row: text and tick both change
			c.OnChanged = func(on bool) {
				r.Checked = on
				p.plot()
			}
		})
	charts := container.NewGridWithColumns(2, p.val, p.mAP)
	split := container.NewHSplit(container.NewBorder(container.NewVBox(hint, p.empty), nil, nil, nil, p.list), charts)
	split.Offset = 0.45
	p.Content = split
	return p
}

// Load reads the given runs (runs.List, newest first) in the background,
// keeping ticks on runs that were ticked. The newest is ticked when none is.
func (p *RunsPanel) Load(list []runs.Run) {
	checked := map[string]bool{}
	for _, r := range p.runs {
		checked[r.Dir] = r.Checked
	}
	p.background(func() {
		infos := make([]runInfo, len(list))
		any := false
		for i, r := range list {
			infos[i] = readRun(r.Dir)
			infos[i].Checked = checked[r.Dir]
			any = any || infos[i].Checked
		}
		if !any { // the newest run that got somewhere
			for i := range infos {
				if !infos[i].Failed {
					infos[i].Checked = true
					break
				}
			}
		}
		fyne.Do(func() {
			p.runs = infos
			if len(infos) == 0 {
				p.empty.Show()
			} else {
				p.empty.Hide()
			}
			p.list.Refresh()
			p.plot()
		})
	})
}

// plot shows the ticked runs, one colour each.
func (p *RunsPanel) plot() {
	p.val.Series, p.mAP.Series = nil, nil
	k := 0
	for _, r := range p.runs {
		if !r.Checked {
			continue
		}
		col := classPalette[k%len(classPalette)]
		k++
		name := filepath.Base(r.Dir)
		p.val.Series = append(p.val.Series, &Series{Name: name, Color: col, X: r.valX, Y: r.valY})
		p.mAP.Series = append(p.mAP.Series, &Series{Name: name, Color: col, X: r.mapX, Y: r.mapY, Points: true})
	}
	p.val.Refresh()
	p.mAP.Refresh()
}

// readRun is a run's summary as the panel shows it: settings, epochs and
// best mAP, and its per-epoch curves.
func readRun(dir string) runInfo {
	r := runInfo{Dir: dir}
	sum, err := runs.Open(dir).Summary()
	if err != nil {
		r.Summary = "no events"
		return r
	}
	r.Finished = sum.Finished
	r.valX, r.valY, r.mapX, r.mapY = sum.ValX, sum.ValY, sum.MapX, sum.MapY
	cfg := ""
	if c := sum.Config; c.Backbone != "" {
		cfg = fmt.Sprintf("%s %dpx, %s, batch %d", c.Backbone, c.InputSize, c.Optimizer, c.Batch)
		r.Planned = c.Epochs
	}
	best := "no mAP yet"
	if sum.BestMAP >= 0 {
		best = fmt.Sprintf("best mAP@0.5 %.3f (epoch %d)", sum.BestMAP, sum.BestEpoch)
	}
	if sum.Failed() {
		r.Failed = true
		r.Summary = "failed: " + sum.Failure
		return r
	}
	// the metric first: a narrow list cuts the end
	r.Summary = fmt.Sprintf("%s · %s, %d epochs", best, cfg, sum.Epochs)
	return r
}
