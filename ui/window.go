// Package ui holds LabelLoop's Fyne widgets and screens, and nothing else:
// dataset logic lives in voc/, editing in annotate/.
package ui

import (
	"os"
	"slices"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/video"
	"github.com/labelloop/labelloop/voc"
)

// Window is the main window, a shell around the tabs: the open-folder
// bar above them (the folder's title, Open folder…, recent folders) and
// the status line below. The Label tab owns the open folder; the window
// opens folders in it, tells the other tabs which folder is open, and
// routes the window's keys, drops and close.
type Window struct {
	fyne.Window
	OnOpen func(dir string) // after a dataset opens (recent folders)

	recent *widget.Select
	tabs   *container.AppTabs
	// Label is the Label tab; the app sets its PrelabelAll.
	Label *LabelScreen
	// Train is the Train tab; the app sets its Start to run the worker.
	Train *TrainScreen
	// Export is the Export tab; the app sets its Export.
	Export  *ExportScreen
	Predict *PredictScreen
	Dataset *DatasetScreen
}

// NewWindow builds the main window; recent lists recently opened folders.
func NewWindow(a fyne.App, recent []string) *Window {
	w := &Window{Window: a.NewWindow("LabelLoop")}
	w.Train = NewTrainScreen(nil)
	w.Train.window = w.Window
	w.Dataset = NewDatasetScreen()
	w.Export = NewExportScreen(nil)
	w.Predict = NewPredictScreen(w.Window)
	w.Label = newLabelScreen(w.Window, w.Predict, w.Dataset)
	w.Label.opened = w.opened
	w.Export.OnExported = w.Predict.SetModel
	w.Train.OnEvent = func(e protocol.Event) {
		if e.Event == protocol.EventDone {
			w.Export.Refresh()
		}
	}

	open := widget.NewButton("Open folder…", w.Label.pickFolder)
	w.recent = widget.NewSelect(recent, func(dir string) {
		if dir == "" {
			return
		}
		w.Label.reopen(dir)
		w.recent.ClearSelected() // so that picking the same entry again is seen
		w.Canvas().Unfocus()     // D, A and Space go to the pictures, not to this list
	})
	w.recent.PlaceHolder = "Recent folders"
	top := container.NewBorder(nil, nil, container.NewHBox(open, w.recent), nil, w.Label.Title)

	// Below a tab's natural size (an 800×600 screen) it scrolls instead of
	// making the window wider than the screen.
	fitTab := func(o fyne.CanvasObject) fyne.CanvasObject { return container.NewScroll(o) }
	predictTab := container.NewTabItem("Predict", fitTab(w.Predict.Content))
	labelTab := container.NewTabItem("Label", w.Label.Content)
	w.Dataset.Split.OnWritten = func() {
		if root := w.Label.root(); root != "" {
			w.Label.say("Split written in " + root)
		}
	}
	w.Dataset.OnOpenFile = func(path string) {
		if i := w.Label.itemFor(path); i >= 0 {
			w.tabs.Select(labelTab)
			w.Label.Show(i)
		}
	}
	datasetTab := container.NewTabItem("Dataset", fitTab(w.Dataset.Content))
	w.tabs = container.NewAppTabs(
		labelTab,
		datasetTab,
		container.NewTabItem("Train", fitTab(w.Train.Content)),
		container.NewTabItem("Export", fitTab(container.NewPadded(w.Export.Content))),
		predictTab,
	)
	w.tabs.OnSelected = func(t *container.TabItem) {
		w.Canvas().Unfocus() // a widget of the tab left, hidden now, kept the keys
		if t == datasetTab {
			w.Label.refreshReport() // saves since the last check show
		}
	}
	w.SetContent(container.NewBorder(top, w.Label.Status, nil, nil, w.tabs))
	// Pictures and videos dropped on the window go to Predict; a dropped
	// folder opens as the dataset, or, on the Predict tab, has its
	// pictures and videos predicted.
	w.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		var files []string
		for _, u := range uris {
			if st, err := os.Stat(u.Path()); err == nil && st.IsDir() {
				if w.tabs.Selected() != predictTab {
					w.Open(u.Path())
					return
				}
				files = append(files, mediaIn(u.Path())...) // on Predict: its pictures and videos
				continue
			}
			files = append(files, u.Path())
		}
		if len(files) > 0 {
			w.tabs.Select(predictTab)
			w.Predict.Show(files...)
		}
	})
	w.Resize(fyne.NewSize(1280, 800))
	w.bindKeys(func() bool { return w.tabs.Selected() == labelTab })
	w.SetCloseIntercept(w.confirmQuit)
	startTestHook(w.Window)
	if e2eHook != nil {
		e2eHook(w)
	}
	return w
}

// mediaIn lists a folder's pictures and videos, in natural order.
func mediaIn(dir string) []string {
	out, _ := video.ListMedia(dir, true)
	sort.Slice(out, func(i, j int) bool { return voc.NaturalLess(out[i], out[j]) })
	return out
}

// e2eHook drives the window through the whole loop in the e2e build
// (e2e.go); nil otherwise.
var e2eHook func(*Window)

// Open opens a dataset folder in the Label tab; the other tabs follow
// (opened).
func (w *Window) Open(dir string) { w.Label.Open(dir) }

// opened hears that the Label tab opened a folder (dir as asked, root as
// found): the other tabs work on it, and it goes first in the recent list.
func (w *Window) opened(dir, root string) {
	w.Train.SetDataset(root)
	w.Export.SetDataset(root)
	w.Predict.SetDataset(root)
	if w.OnOpen != nil {
		w.OnOpen(dir)
	}
	w.recent.Options = append([]string{dir}, slices.DeleteFunc(w.recent.Options, func(d string) bool { return d == dir })...)
}

// bindKeys sends the window's keys to the Label tab: the table's chords
// as shortcuts, the plain keys, and Space and Shift going down and up.
// A focused widget (an entry, a slider) takes the keys first.
func (w *Window) bindKeys(onLabel func() bool) {
	c := w.Canvas()
	l := w.Label
	// the labeller's keys act on the Label tab only: on another tab, Del
	// deleted a box nobody saw and D stepped a picture nobody looked at
	forLabel := func(do func(*LabelScreen)) func() {
		return func() {
			if onLabel() {
				do(l)
			}
		}
	}
	for _, b := range bindings {
		for _, k := range b.bind {
			if k.mod == 0 {
				continue
			}
			var sc fyne.Shortcut = &desktop.CustomShortcut{KeyName: k.key, Modifier: k.mod}
			if std, ok := standard[k.chord]; ok {
				sc = std
			}
			do := forLabel(k.do)
			if k.key == fyne.KeyO { // opening a folder is the window's, from any tab
				do = func() { k.do(l) }
			}
			c.AddShortcut(sc, func(fyne.Shortcut) { do() })
		}
	}
	// Ctrl+Q quits, asking about unsaved changes as the window's close does
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: ctrlKey}, func(fyne.Shortcut) { w.confirmQuit() })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) { forLabel(func(l *LabelScreen) { l.typedKey(e) })() })
	c.SetOnTypedRune(func(r rune) { forLabel(func(l *LabelScreen) { l.typedRune(r) })() })
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(e *fyne.KeyEvent) { forLabel(func(l *LabelScreen) { l.keyDown(e) })() })
		dc.SetOnKeyUp(l.keyUp) // always: a key let go elsewhere ends a pan
	}
}

// confirmQuit guards closing with unsaved changes.
func (w *Window) confirmQuit() {
	if !w.Label.hasUnsaved() {
		w.Close()
		return
	}
	d := dialog.NewCustomConfirm("Unsaved changes", "Save", "Close without saving",
		widget.NewLabel("Some images have changes that are not saved."), func(save bool) {
			if save && !w.Label.saveAll() {
				return
			}
			w.Close()
		}, w.Window)
	d.Show()
}
