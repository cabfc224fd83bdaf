package ui

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// StartRun starts a training run (the app runs the labelloop-train
// worker; tests replay recorded events). Events closes when the run ends;
// stop asks it to save and quit.
type StartRun func(cfg protocol.Config) (events <-chan protocol.Event, stop func(), err error)

// TrainScreen is the Train tab: a form with the reference's defaults and
// inline validation, Start/Stop/Resume, live charts of each loss part,
// validation loss, learning rate and mAP, a progress line with epoch,
// images/s, ETA and device, a log, and the dataset's past runs.
type TrainScreen struct {
	Content fyne.CanvasObject
	Start   StartRun
	// OnEvent sees every event after the screen has (for the app: the
	// last model, notifications).
	OnEvent func(protocol.Event)

	dataset                                  string
	backbone, optimizer, anchors, augment    *widget.Select
	size, epochs, freeze, batch, freezeB, lr *widget.Entry
	initW, mosaic, mixup                     *widget.Entry
	start                                    *widget.Select // Start from (trainstart.go)
	freezeTyped, settingFreeze, downloading  bool
	startBtn, stopBtn, resumeBtn             *widget.Button
	problem, status, device                  *widget.Label
	progress                                 *widget.ProgressBar
	loss, val, lrChart, mapChart             *Chart
	log                                      *widget.Label
	logScroll                                *container.Scroll
	logLines                                 []string
	window                                   fyne.Window // for the file picker
	planned                                  int         // the run's epochs, for the progress line
	// OnForm sees the form's fields whenever one changes (the app keeps
	// them between runs; RestoreForm puts them back).
	OnForm        func(map[string]string)
	runs          *RunsPanel
	stop          func()
	running       bool
	workerProblem string
	lastRun       string
	started       time.Time
	steps         int
	// background runs file reading off the UI goroutine; tests make it inline
	background func(func())
}

// NewTrainScreen builds the screen; SetDataset points it at a dataset.
func NewTrainScreen(start StartRun) *TrainScreen {
	s := &TrainScreen{Start: start, background: func(f func()) { go f() }}
	s.backbone = widget.NewSelect(model.Backbones, func(string) { s.validate() })
	s.backbone.SetSelected(model.MobileNetV2)
	s.optimizer = widget.NewSelect([]string{"adam", "sgd"}, func(string) { s.validate() })
	s.optimizer.SetSelected("adam")
	s.anchors = widget.NewSelect([]string{"default", "auto"}, func(string) { s.validate() })
	s.anchors.SetSelected("default")
	s.augment = widget.NewSelect([]string{"default", "flip", "none"}, func(string) { s.validate() })
	s.augment.SetSelected("default")
	entry := func(v, hint string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(v)
		e.SetPlaceHolder(hint)
		e.OnChanged = func(string) { s.validate() }
		return e
	}
	s.size, s.epochs, s.freeze = entry("416", "multiple of 32"), entry("100", ""), entry("50", "half the epochs from pretrained weights")
	s.batch, s.freezeB, s.lr = entry("8", ""), entry("16", ""), entry("", "the seed's: batch/64 × 1e-3 (adam), × 1e-2 (sgd)")
	s.initW = entry("", "a checkpoint or PyTorch .pth")
	s.epochs.OnChanged = func(string) { s.freezeRecipe(); s.validate() }
	s.freeze.OnChanged = func(string) {
		if !s.settingFreeze {
			s.freezeTyped = true
		}
		s.validate()
	}
	s.initW.OnChanged = func(string) { s.freezeRecipe(); s.validate() }
	startRow := s.startFromRow()
	s.mosaic, s.mixup = entry("", "0.5 (default recipe)"), entry("", "0.5 of mosaics")
	form := widget.NewForm(
		widget.NewFormItem("Backbone", s.backbone),
		widget.NewFormItem("Start from", startRow), // first: it decides the recipe below
		widget.NewFormItem("Input size", s.size),
		widget.NewFormItem("Epochs", s.epochs),
		widget.NewFormItem("Freeze epochs", s.freeze),
		widget.NewFormItem("Batch", s.batch),
		widget.NewFormItem("Batch while frozen", s.freezeB),
		widget.NewFormItem("Optimizer", s.optimizer),
		widget.NewFormItem("Learning rate", s.lr),
		widget.NewFormItem("Augment", s.augment),
		widget.NewFormItem("Mosaic probability", s.mosaic),
		widget.NewFormItem("Mixup probability", s.mixup),
		widget.NewFormItem("Anchors", s.anchors),
	)
	s.problem = widget.NewLabel("")
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Importance = widget.DangerImportance
	s.startBtn = widget.NewButton("Start", s.onStart)
	s.startBtn.Importance = widget.HighImportance
	s.stopBtn = widget.NewButton("Stop", s.onStop)
	s.resumeBtn = widget.NewButton("Resume last run", s.onResume)
	s.progress = widget.NewProgressBar()
	s.status = widget.NewLabel("Not training.")
	s.status.Truncation = fyne.TextTruncateEllipsis // a long path must not widen the panel past the window (the log then lost its line ends)
	s.device = widget.NewLabel("")
	blue, orange, green, red := color.NRGBA{0x3b, 0x82, 0xf6, 0xff}, color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}, color.NRGBA{0x10, 0xb9, 0x81, 0xff}, color.NRGBA{0xef, 0x44, 0x44, 0xff}
	s.loss = NewChart("Training loss", &Series{Name: "total", Color: red}, &Series{Name: "box", Color: blue},
		&Series{Name: "obj", Color: orange}, &Series{Name: "cls", Color: green})
	s.loss.LogY = true
	s.val = NewChart("Loss per epoch", &Series{Name: "train", Color: red}, &Series{Name: "val", Color: blue})
	s.lrChart = NewChart("Learning rate", &Series{Name: "lr", Color: orange})
	s.mapChart = NewChart("mAP@0.5 (val)", &Series{Name: "mAP@0.5", Color: green, Points: true})
	s.mapChart.Share = true
	s.log = widget.NewLabel("")
	s.log.Wrapping = fyne.TextWrapWord
	s.runs = NewRunsPanel()
	left := container.NewBorder(nil, container.NewVBox(s.problem, container.NewGridWithColumns(3, s.startBtn, s.stopBtn, s.resumeBtn)), nil, nil,
		container.NewVScroll(form))
	charts := container.NewGridWithColumns(2, s.loss, s.val, s.lrChart, s.mapChart)
	s.logScroll = container.NewVScroll(s.log)
	bottom := container.NewAppTabs(container.NewTabItem("Log", s.logScroll), container.NewTabItem("Runs", s.runs.Content))
	right := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, s.device, s.status), s.progress), nil, nil, nil,
		container.NewVSplit(charts, bottom))
	split := container.NewHSplit(left, right)
	split.Offset = 0.3
	s.Content = split
	s.setRunning(false)
	s.validate()
	return s
}

// SetDataset points the screen at a dataset folder: runs go to its runs/.
func (s *TrainScreen) SetDataset(dir string) {
	s.dataset = dir
	s.refreshRuns()
	s.validate()
}

// SetWorkerProblem shows why training cannot start on this machine (no
// worker, no libtorch) and how to fix it, above the Start button.
func (s *TrainScreen) SetWorkerProblem(msg string) {
	s.problem.SetText(msg)
	s.workerProblem = msg
}

// Config is the form as a run configuration (not yet checked).
func (s *TrainScreen) Config() (protocol.Config, error) {
	c := protocol.Config{Dataset: s.dataset, Backbone: s.backbone.Selected, Optimizer: s.optimizer.Selected,
		Anchors: s.anchors.Selected, Augment: s.augment.Selected, Init: s.initValue()}
	if s.dataset != "" {
		c.Project = runs.Of(s.dataset)
	}
	if s.start != nil && s.start.Selected == startFile && c.Init == "" {
		// an empty File would train from scratch without a word
		return c, fmt.Errorf("start from: choose the weights file (Browse…), or Scratch")
	}
	for _, f := range []struct {
		name string
		e    *widget.Entry
		dst  *int
	}{{"input size", s.size, &c.InputSize}, {"epochs", s.epochs, &c.Epochs}, {"freeze epochs", s.freeze, &c.FreezeEpochs},
		{"batch", s.batch, &c.Batch}, {"batch while frozen", s.freezeB, &c.FreezeBatch}} {
		v, err := strconv.Atoi(strings.TrimSpace(f.e.Text))
		if err != nil {
			return c, fmt.Errorf("%s: %q is not a whole number", f.name, f.e.Text)
		}
		*f.dst = v
	}
	for _, f := range []struct {
		name string
		e    *widget.Entry
		dst  **float64
	}{{"mosaic probability", s.mosaic, &c.Mosaic}, {"mixup probability", s.mixup, &c.Mixup}} {
		if t := strings.TrimSpace(f.e.Text); t != "" {
			v, err := strconv.ParseFloat(t, 64)
			if err != nil || v < 0 || v > 1 {
				return c, fmt.Errorf("%s: %q is not a number from 0 to 1", f.name, t)
			}
			*f.dst = &v
		}
	}
	if t := strings.TrimSpace(s.lr.Text); t != "" {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("learning rate: %q is not a positive number", t)
		}
		c.LR = v
	}
	return c, nil
}

// validate shows the first problem with the form and enables Start only
// when there is none.
func (s *TrainScreen) validate() {
	if s.startBtn == nil {
		return
	}
	if s.OnForm != nil {
		s.OnForm(s.FormFields())
	}
	msg := ""
	c, err := s.Config()
	if err == nil {
		if s.dataset == "" {
			err = fmt.Errorf("open a dataset first")
		} else {
			c.Defaults()
			err = c.Check()
		}
	}
	if err != nil {
		msg = err.Error()
	}
	if s.workerProblem != "" {
		s.problem.SetText(strings.TrimSpace(msg + "\n" + s.workerProblem))
	} else {
		s.problem.SetText(msg)
	}
	if msg == "" && !s.running {
		s.startBtn.Enable()
	} else {
		s.startBtn.Disable()
	}
}

func (s *TrainScreen) setRunning(on bool) {
	s.running = on
	if on {
		s.stopBtn.Enable()
		s.resumeBtn.Disable()
	} else {
		s.stopBtn.Disable()
		if s.lastRun != "" {
			s.resumeBtn.Enable()
		} else {
			s.resumeBtn.Disable()
		}
	}
	s.validate()
}

func (s *TrainScreen) onStart() {
	c, err := s.Config()
	if err != nil {
		s.problem.SetText(err.Error())
		return
	}
	for _, ch := range []*Chart{s.loss, s.val, s.lrChart, s.mapChart} {
		ch.Reset()
		ch.Refresh()
	}
	s.logLines = nil
	s.planned = c.Epochs
	s.launch(c)
}

// onResume continues the newest run, its history first on the charts. A
// run that finished all its epochs goes on only when the form asks for
// more of them; otherwise the screen says so instead of starting a worker
// that would stop at once.
func (s *TrainScreen) onResume() {
	if s.lastRun == "" {
		return
	}
	run := readRun(s.lastRun)
	want, _ := strconv.Atoi(strings.TrimSpace(s.epochs.Text))
	if run.Finished && want <= run.Planned {
		s.status.SetText(fmt.Sprintf("%s finished all its %d epochs: set Epochs above %d, then Resume trains it longer.",
			filepath.Base(s.lastRun), run.Planned, run.Planned))
		return
	}
	for _, ch := range []*Chart{s.loss, s.val, s.lrChart, s.mapChart} {
		ch.Reset()
	}
	s.logLines = nil
	if past, err := runs.Open(s.lastRun).Events(); err == nil {
		for _, e := range past {
			s.Apply(e)
		}
	}
	c := protocol.Config{Resume: s.lastRun}
	s.planned = max(run.Planned, want)
	if want > run.Planned {
		c.Epochs = want // the one setting a resumed run takes from the form
		s.addLog(fmt.Sprintf("resuming %s for %d epochs (was %d)", filepath.Base(s.lastRun), want, run.Planned))
	}
	s.launch(c)
}

func (s *TrainScreen) onStop() {
	if s.stop != nil {
		s.stop()
		s.status.SetText("Stopping: saving the last weights…")
		s.stopBtn.Disable()
	}
}

func (s *TrainScreen) launch(c protocol.Config) {
	if s.Start == nil {
		return
	}
	events, stop, err := s.Start(c)
	if err != nil {
		s.addLog("error: " + err.Error())
		s.status.SetText(err.Error())
		return
	}
	s.stop = stop
	s.started = time.Now()
	s.setRunning(true)
	s.status.SetText("Starting the training worker…")
	go func() {
		for e := range events {
			fyne.Do(func() { s.Apply(e) })
		}
		fyne.Do(func() {
			s.setRunning(false)
			s.refreshRuns()
		})
	}()
}

// Apply shows one event: charts, progress, log. It runs on the UI
// goroutine for each of the worker's lines (about 20 a second at most).
func (s *TrainScreen) Apply(e protocol.Event) {
	switch e.Event {
	case protocol.EventStarted:
		s.lastRun, s.steps = e.Run, e.Steps
		if s.planned == 0 {
			s.planned = runs.Open(e.Run).Config().Epochs
		}
		s.device.SetText(fmt.Sprintf("%s × %d threads", e.Device, e.Threads))
		s.addLogAt(eventTime(e), fmt.Sprintf("started %s on %s (%d steps)", e.Run, e.Device, e.Steps))
		for _, note := range strings.Split(e.Message, "\n") { // a resume from best, a frozen random backbone
			if note != "" {
				s.addLogAt(eventTime(e), note)
			}
		}
	case protocol.EventBatch:
		if e.Loss != nil {
			x := float64(e.Step)
			s.loss.Add(0, x, e.Loss.Total)
			s.loss.Add(1, x, e.Loss.Box)
			s.loss.Add(2, x, e.Loss.Obj)
			s.loss.Add(3, x, e.Loss.Cls)
			s.loss.Refresh()
		}
		s.lrChart.Add(0, float64(e.Step), e.LR)
		s.lrChart.Refresh()
		if e.Steps > 0 {
			s.steps = e.Steps
			s.progress.SetValue(float64(e.Step) / float64(e.Steps))
		}
		eta := ""
		if e.Step > 0 && s.steps > 0 {
			left := time.Duration(float64(time.Since(s.started)) / float64(e.Step) * float64(s.steps-e.Step))
			eta = " · ETA " + left.Round(time.Second).String()
		}
		epoch := strconv.Itoa(e.Epoch)
		if s.planned > 0 {
			epoch += "/" + strconv.Itoa(s.planned)
		}
		s.status.SetText(fmt.Sprintf("epoch %s · step %d/%d · %.1f images/s%s", epoch, e.Step, s.steps, e.ImgPerS, eta))
	case protocol.EventEpoch:
		if e.Loss != nil {
			s.val.Add(0, float64(e.Epoch), e.Loss.Total)
		}
		if e.ValLoss > 0 {
			s.val.Add(1, float64(e.Epoch), e.ValLoss)
		}
		s.val.Refresh()
		frozen := ""
		if e.Frozen {
			frozen = ", backbone frozen"
		}
		val := fmt.Sprintf("val %.4f", e.ValLoss)
		if e.ValLoss == 0 { // no validation pictures: best is the lowest training loss
			val = "no val pictures"
		}
		s.addLogAt(eventTime(e), fmt.Sprintf("epoch %d: loss %.4f, %s, %.1f images/s, waited for data %.1f%%%s",
			e.Epoch, lossTotal(e.Loss), val, e.ImgPerS, 100*e.DataWait, frozen))
	case protocol.EventEval:
		s.mapChart.Add(0, float64(e.Epoch), e.Metrics["map50"])
		s.mapChart.Refresh()
		s.addLogAt(eventTime(e), fmt.Sprintf("epoch %d: mAP@0.5 %.3f, mAP@0.5:0.95 %.3f, precision %.3f, recall %.3f",
			e.Epoch, e.Metrics["map50"], e.Metrics["map50_95"], e.Metrics["precision"], e.Metrics["recall"]))
	case protocol.EventCheckpoint:
		s.addLogAt(eventTime(e), fmt.Sprintf("saved %s (epoch %d)", e.Path, e.Epoch))
	case protocol.EventDone:
		if !e.Stopped {
			s.progress.SetValue(1)
		}
		switch {
		case e.Stopped && s.downloading:
			// no run yet: the weights were still coming
			s.downloading = false
			s.status.SetText("Stopped while downloading the starting weights; Start again resumes the download where it stopped.")
		case e.Stopped:
			s.status.SetText(fmt.Sprintf("Stopped at step %d; the last weights are saved. Resume continues it.", e.Step))
		default:
			s.status.SetText(fmt.Sprintf("Done: %d steps. The best weights are in %s.", e.Step, runs.Open(e.Run).Checkpoint(runs.Best)))
		}
		s.addLogAt(eventTime(e), "done")
	case protocol.EventDownload, protocol.EventTransfer:
		s.applyStart(e)
	case protocol.EventError:
		s.status.SetText("Training failed: " + e.Message)
		s.addLogAt(eventTime(e), "error: "+e.Message)
	}
	if s.OnEvent != nil {
		s.OnEvent(e)
	}
}

func lossTotal(l *protocol.LossParts) float64 {
	if l == nil {
		return 0
	}
	return l.Total
}

// addLog appends a line stamped now, keeping the last 500.
func (s *TrainScreen) addLog(line string) { s.addLogAt(time.Now(), line) }

// addLogAt appends a line stamped at; the view follows new lines unless
// the person has scrolled up to read older ones.
func (s *TrainScreen) addLogAt(at time.Time, line string) {
	s.logLines = append(s.logLines, at.Local().Format("15:04:05 ")+line)
	if len(s.logLines) > 500 {
		s.logLines = s.logLines[len(s.logLines)-500:]
	}
	follow := s.logScroll.Offset.Y+s.logScroll.Size().Height >= s.log.MinSize().Height-30
	s.log.SetText(strings.Join(s.logLines, "\n"))
	if follow {
		s.logScroll.ScrollToBottom()
	}
}

// eventTime is when the worker wrote e (replayed history keeps its time).
func eventTime(e protocol.Event) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, e.Time); err == nil {
		return t
	}
	return time.Now()
}

// refreshRuns lists the dataset's past runs with their best metrics, newest
// first, and remembers the newest as the one Resume continues. Reading
// each run's events.jsonl (thousands of lines for a long run) happens off
// the UI goroutine.
func (s *TrainScreen) refreshRuns() {
	if s.dataset == "" {
		return
	}
	list := runs.List(runs.Of(s.dataset), runs.Train)
	if len(list) > 0 && !s.running {
		s.lastRun = list[0].Dir
	}
	s.setRunning(s.running)
	s.runs.background = s.background
	s.runs.Load(list)
}

// browseInit picks the weights to start from: a checkpoint of an earlier
// run or PyTorch .pth weights.
func (s *TrainScreen) browseInit() {
	dir := filepath.Dir(strings.TrimSpace(s.initW.Text))
	if strings.TrimSpace(s.initW.Text) == "" && s.dataset != "" {
		dir = runs.Of(s.dataset)
	}
	if s.window == nil {
		return
	}
	showFilePicker(s.window, pickOptions{title: "Weights to start from", dir: dir, exts: []string{".safetensors", ".pth"},
		onPick: func(p []string) { s.start.SetSelected(startFile); s.initW.SetText(p[0]) }})
}

// formFields names the form's fields for FormFields and RestoreForm.
func (s *TrainScreen) formFields() (map[string]*widget.Entry, map[string]*widget.Select) {
	return map[string]*widget.Entry{"size": s.size, "epochs": s.epochs, "freeze": s.freeze, "batch": s.batch,
			"freeze_batch": s.freezeB, "lr": s.lr, "init": s.initW, "mosaic": s.mosaic, "mixup": s.mixup},
		map[string]*widget.Select{"backbone": s.backbone, "optimizer": s.optimizer, "anchors": s.anchors, "augment": s.augment, "start": s.start}
}

// FormFields is the form as text, field by field.
func (s *TrainScreen) FormFields() map[string]string {
	out := map[string]string{}
	entries, selects := s.formFields()
	for k, e := range entries {
		out[k] = e.Text
	}
	for k, sel := range selects {
		out[k] = sel.Selected
	}
	return out
}

// RestoreForm puts back fields saved from FormFields (unknown keys and
// options that no longer exist are left alone).
func (s *TrainScreen) RestoreForm(f map[string]string) {
	on := s.OnForm
	s.OnForm = nil // restoring is not a change to save
	defer func() { s.OnForm = on }()
	entries, selects := s.formFields()
	for k, v := range f {
		if e, ok := entries[k]; ok {
			e.SetText(v)
		}
		if sel, ok := selects[k]; ok && slices.Contains(sel.Options, v) {
			sel.SetSelected(v)
		}
	}
	s.restoredStart(f)
}
