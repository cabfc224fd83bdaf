package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/training/protocol"
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

// trainRuns lists a dataset's run folders, newest first.
func trainRuns(dataset string) []string {
	dirs, _ := filepath.Glob(filepath.Join(dataset, "runs", "train-*"))
	sort.Slice(dirs, func(i, j int) bool { return runNumber(dirs[i]) > runNumber(dirs[j]) })
	return dirs
}

// Load reads the given run folders (trainRuns) in the background, keeping
// ticks on runs that were ticked. The newest is ticked when none is.
func (p *RunsPanel) Load(dirs []string) {
	checked := map[string]bool{}
	for _, r := range p.runs {
		checked[r.Dir] = r.Checked
	}
	p.background(func() {
		runs := make([]runInfo, len(dirs))
		any := false
		for i, d := range dirs {
			runs[i] = readRun(d)
			runs[i].Checked = checked[d]
			any = any || runs[i].Checked
		}
		if !any { // the newest run that got somewhere
			for i := range runs {
				if !runs[i].Failed {
					runs[i].Checked = true
					break
				}
			}
		}
		fyne.Do(func() {
			p.runs = runs
			if len(runs) == 0 {
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

func runNumber(dir string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "train-"))
	return n
}

// readRun reads a run's config and events: its summary (settings, epochs,
// best mAP) and its per-epoch curves.
func readRun(dir string) runInfo {
	r := runInfo{Dir: dir}
	ev, err := protocol.ReadEvents(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		r.Summary = "no events"
		return r
	}
	var best, cfg, failure string
	bestMAP, epochs := -1.0, 0
	for _, e := range ev {
		switch e.Event {
		case "error":
			failure = e.Message
		case "done":
			r.Finished = !e.Stopped
		case "eval":
			m := e.Metrics["map50"]
			r.mapX, r.mapY = append(r.mapX, float64(e.Epoch)), append(r.mapY, m)
			if m > bestMAP {
				bestMAP = m
				best = fmt.Sprintf("best mAP@0.5 %.3f (epoch %d)", m, e.Epoch)
			}
		case "epoch":
			epochs = e.Epoch
			if e.ValLoss > 0 {
				r.valX, r.valY = append(r.valX, float64(e.Epoch)), append(r.valY, e.ValLoss)
			}
		}
	}
	if c := runConfig(dir); c.Backbone != "" {
		cfg = fmt.Sprintf("%s %dpx, %s, batch %d", c.Backbone, c.InputSize, c.Optimizer, c.Batch)
		r.Planned = c.Epochs
	}
	if best == "" {
		best = "no mAP yet"
	}
	if failure != "" && epochs == 0 {
		r.Failed = true
		r.Summary = "failed: " + failure
		return r
	}
	// the metric first: a narrow list cuts the end
	r.Summary = fmt.Sprintf("%s · %s, %d epochs", best, cfg, epochs)
	return r
}

// runConfig is a run's config.json (zero when it cannot be read).
func runConfig(dir string) protocol.Config {
	var c protocol.Config
	if data, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
		json.Unmarshal(data, &c)
	}
	return c
}
