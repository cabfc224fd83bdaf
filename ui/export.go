package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/labelloop/labelloop/internal/runs"
)

// ExportFunc turns a checkpoint into a verified ONNX file (the app wires
// it to labelloop export) and returns a one-line summary.
type ExportFunc func(weights string) (path, summary string, err error)

// ExportScreen is the Export tab: one button turns a run's best
// checkpoint into ONNX, and shows the verification result.
type ExportScreen struct {
	Content    fyne.CanvasObject
	Export     ExportFunc
	OnExported func(onnxPath string) // e.g. make it Predict's model

	dataset string
	pick    *widget.Select
	btn     *widget.Button
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
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	intro := widget.NewLabel("The exported model runs with ONNX Runtime in Predict and pre-labelling, and in any other ONNX tool. " +
		"It carries its classes, anchors and input size.")
	intro.Wrapping = fyne.TextWrapWord
	s.Content = container.NewVBox(intro, widget.NewForm(widget.NewFormItem("Checkpoint", s.pick)), s.btn, s.result)
	s.update()
	return s
}

// SetDataset lists the dataset's checkpoints, newest run's best first.
func (s *ExportScreen) SetDataset(dir string) {
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
	// the newest run's best, unless the person chose another checkpoint
	if len(list) > 0 && (s.pick.Selected == "" || s.pick.Selected == s.auto) {
		s.auto = list[0]
		s.pick.SetSelected(list[0])
	}
	s.pick.Refresh()
	s.update()
}

func (s *ExportScreen) update() {
	if s.pick.Selected == "" || s.Export == nil {
		s.btn.Disable()
	} else {
		s.btn.Enable()
	}
}

func (s *ExportScreen) onExport() {
	w := s.pick.Selected
	s.btn.Disable()
	s.result.SetText("Exporting and verifying " + w + "…")
	s.background(func() {
		path, summary, err := s.Export(w)
		fyne.Do(func() {
			s.update()
			if err != nil {
				s.result.SetText("Export failed: " + err.Error())
				return
			}
			s.result.SetText("Wrote " + summary + "\nVerified: ONNX Runtime loads it and its three heads give finite values of the right shapes.")
			if s.OnExported != nil {
				s.OnExported(path)
			}
		})
	})
}
