package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/labelloop/labelloop/internal/runs"
)

// ExportFunc turns a checkpoint into a verified ONNX file (the app wires
// it to labelloop export) and returns a one-line summary.
type ExportFunc func(weights string) (path, summary string, err error)

// Int8Func writes the int8 form of a checkpoint calibrated on the
// dataset's pictures (the app wires it to labelloop export --int8) and
// compares it with the float model on the dataset's held-out pictures
// (labelloop eval --beside).
type Int8Func func(weights, dataset, floatModel string) (path, summary, comparison string, err error)

// ExportScreen is the Export tab: one button turns a run's best
// checkpoint into ONNX, and shows the verification result.
type ExportScreen struct {
	Content    fyne.CanvasObject
	Export     ExportFunc
	Int8       Int8Func              // nil: no int8 option
	OnExported func(onnxPath string) // e.g. make it Predict's model

	dataset string
	pick    *widget.Select
	btn     *widget.Button
	int8    *widget.Check
	result  *widget.Label
	auto    string // the checkpoint Refresh chose, which the next Refresh may change
	// background runs the export off the UI goroutine; tests make it inline
	background func(func())
}

// NewExportScreen builds the tab.
func NewExportScreen(export ExportFunc) *ExportScreen {
	s := &ExportScreen{Export: export, background: func(f func()) { go f() }}
	s.pick = widget.NewSelect(nil, func(string) { s.update() })
	s.pick.PlaceHolder = "(no checkpoints yet: train first)"
	s.btn = widget.NewButton("Export to ONNX", s.onExport)
	s.btn.Importance = widget.HighImportance
	s.int8 = widget.NewCheck("Also write an int8 model: about twice as fast on a CPU, calibrated on this dataset's training pictures, compared with the float one on its test pictures", nil)
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	s.result.TextStyle.Monospace = true // the comparison is a table
	intro := widget.NewLabel("The exported model runs with ONNX Runtime in Predict and pre-labelling, and in any other ONNX tool. " +
		"It carries its classes, anchors and input size.")
	intro.Wrapping = fyne.TextWrapWord
	s.Content = container.NewVBox(intro, widget.NewForm(widget.NewFormItem("Checkpoint", s.pick)), s.int8, s.btn, s.result)
	s.update()
	return s
}

// SetDataset lists the dataset's checkpoints, newest run's best first.
func (s *ExportScreen) SetDataset(dir string) {
	if dir != s.dataset {
		// another folder: nothing of the last one's checkpoints or
		// results may stay (an export would take the old checkpoint)
		s.pick.ClearSelected()
		s.auto = ""
		s.result.SetText("")
	}
	s.dataset = dir
	s.Refresh()
}

// Refresh re-reads the runs folder (after a training run).
func (s *ExportScreen) Refresh() {
	if s.dataset == "" {
		return
	}
	trained := runs.List(runs.Of(s.dataset), runs.Train)
	list := append(runs.Checkpoints(trained, runs.Best), runs.Checkpoints(trained, runs.Last)...)
	s.pick.Options = list
	if !slices.Contains(list, s.pick.Selected) {
		s.pick.ClearSelected()
	}
	// the newest run's best, unless the person chose another checkpoint
	if len(list) > 0 && (s.pick.Selected == "" || s.pick.Selected == s.auto) {
		s.auto = list[0]
		s.pick.SetSelected(list[0])
	}
	s.pick.Refresh()
	s.update()
}

func (s *ExportScreen) update() {
	if s.Int8 == nil {
		s.int8.Hide()
	} else {
		s.int8.Show()
	}
	if s.pick.Selected == "" || s.Export == nil {
		s.btn.Disable()
	} else {
		s.btn.Enable()
	}
}

func (s *ExportScreen) onExport() {
	w, dataset := s.pick.Selected, s.dataset
	int8 := s.int8.Checked && s.Int8 != nil
	s.btn.Disable()
	s.result.SetText("Exporting and verifying " + w + "…")
	s.background(func() {
		path, summary, err := s.Export(w)
		text, failed := "", "Export failed: "
		if err == nil {
			text = "Wrote " + summary + "\nVerified: ONNX Runtime loads it and its three heads give finite values of the right shapes."
		}
		if err == nil && int8 {
			fyne.Do(func() {
				s.result.SetText(text + "\nCalibrating the int8 model on this dataset's pictures and comparing it with the float one…")
			})
			var p8, sum8, cmp string
			if p8, sum8, cmp, err = s.Int8(w, dataset, path); err == nil {
				path, text = p8, text+"\nWrote "+sum8+"\n"+cmp
			} else {
				failed = "The int8 model failed (the float one above is written and verified): "
			}
		}
		fyne.Do(func() {
			s.update()
			if s.dataset != dataset {
				return // another folder was opened meanwhile: this was for the last one
			}
			if err != nil {
				s.result.SetText(text + "\n" + failed + err.Error())
				return
			}
			s.result.SetText(text)
			if s.OnExported != nil {
				s.OnExported(path)
			}
		})
	})
}
