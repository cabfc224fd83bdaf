// Package app wires the GUI together: the Fyne application, settings that
// persist between runs, and the main window.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/labelloop/labelloop/assets"
	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/training/worker"
	"github.com/labelloop/labelloop/usecase"
	"github.com/labelloop/labelloop/voc"

	"github.com/labelloop/labelloop/ui"
)

// ID is the application ID, also in FyneApp.toml; preferences live under it.
const ID = "io.labelloop.app"

const maxRecent = 8

// Run opens the main window, on a dataset folder if one is given, and
// returns when it closes.
func Run(args []string) int {
	// Every call into Fyne from another goroutine goes through fyne.Do
	// (the real-window suite runs clean with Fyne's thread checks on), so
	// the checks are off: each parses a stack trace, on every Refresh,
	// which was a tenth of the window's CPU time per next-image step.
	// The same setting is in FyneApp.toml for `fyne package`.
	fyneapp.SetMetadata(fyne.AppMetadata{ID: ID, Name: "LabelLoop", Migrations: map[string]bool{"fyneDo": true}})
	a := fyneapp.NewWithID(ID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	prefs := a.Preferences()
	w := ui.NewWindow(a, ExistingFolders(prefs.StringList("recent")))
	w.Train.Start = func(cfg protocol.Config) (<-chan protocol.Event, func(), error) {
		return usecase.StartTraining(context.Background(), cfg)
	}
	if _, err := worker.Find(); err != nil {
		w.Train.SetWorkerProblem(err.Error())
	}
	if f := prefs.String("train-form"); f != "" {
		var m map[string]string
		if json.Unmarshal([]byte(f), &m) == nil {
			w.Train.RestoreForm(m)
		}
	}
	w.Train.OnForm = func(m map[string]string) {
		if b, err := json.Marshal(m); err == nil {
			prefs.SetString("train-form", string(b))
		}
	}
	w.Predict.Restore(prefs.String("model"), prefs.Float("conf"), prefs.Float("nms"), prefs.Int("threads"))
	w.Predict.EnableTryVOC(tryVOC)
	w.Predict.OnSettings = func(model string, conf, nms float64, threads int) {
		prefs.SetString("model", model)
		prefs.SetFloat("conf", conf)
		prefs.SetFloat("nms", nms)
		prefs.SetInt("threads", threads)
	}
	w.Label.PrelabelAll = func(ctx context.Context, dir string, det *inference.Detector, t detect.Thresholds, progress func(done, total int)) (int, int, int, error) {
		ds, err := voc.Open(dir)
		if err != nil {
			return 0, 0, 0, err
		}
		r := usecase.Autolabel(ctx, ds, det, t, false, progress)
		if len(r.Failed) > 0 {
			lines := make([]string, len(r.Failed))
			for i, f := range r.Failed {
				lines[i] = f.Error()
			}
			return r.Written, r.Boxes, r.Empty, fmt.Errorf("%s failed:\n%s", wording.Count(len(r.Failed), "image", "images"), strings.Join(lines, "\n"))
		}
		return r.Written, r.Boxes, r.Empty, r.ClassesErr
	}
	w.Export.Export = func(weights string) (string, string, error) {
		r, err := usecase.Export(context.Background(), weights, usecase.ExportOptions{}, nil)
		return r.Path, r.Summary(), err
	}
	w.Export.Int8 = func(weights, dataset, floatModel string) (string, string, string, error) {
		r, err := usecase.Export(context.Background(), weights, usecase.ExportOptions{Int8: &inference.Int8Options{CalibDir: dataset}}, nil)
		if err != nil {
			return "", "", "", err
		}
		cmp, err := usecase.CompareModels(context.Background(), dataset, []string{r.Path, floatModel}, nil)
		return r.Path, r.Summary(), cmp.Table(), err
	}
	w.OnOpen = func(dir string) {
		prefs.SetStringList("recent", AddRecent(prefs.StringList("recent"), dir, maxRecent))
	}
	if len(args) == 1 {
		w.Open(args[0])
	}
	w.ShowAndRun()
	return 0
}

// AddRecent puts dir first in a most-recent-first list of at most n,
// as an absolute path (a folder opened as "demo" from the command line
// is no folder from anywhere else).
func AddRecent(list []string, dir string, n int) []string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	out := []string{dir}
	for _, d := range list {
		if d != dir && len(out) < n {
			out = append(out, d)
		}
	}
	return out
}

// ExistingFolders is the recent list without the folders gone since, or
// given relative: picking one only said "no such file or directory".
func ExistingFolders(list []string) []string {
	var out []string
	for _, d := range list {
		if st, err := os.Stat(d); err == nil && st.IsDir() && filepath.IsAbs(d) {
			out = append(out, d)
		}
	}
	return out
}
