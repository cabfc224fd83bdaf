// Package ui holds LabelLoop's Fyne widgets and screens, and nothing else:
// dataset logic lives in voc/, editing in annotate/.
package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/video"
	"github.com/labelloop/labelloop/voc"
)

// Window is the main window: the labelling screen (image list, editor,
// class panel) and the dataset's health report.
type Window struct {
	fyne.Window
	OnOpen   func(dir string) // after a dataset opens (recent folders)
	Autosave bool             // save when leaving an edited image (default on)

	session     // the labelling state (session.go)
	cache       *imgload.Cache
	loadGen     int
	heading     int           // the last step's direction (+1 next, -1 previous): the prefetch looks that way
	unwatch     chan struct{} // closes the open folder's watcher
	help        *helpSheet
	verifiedBtn *widget.Button
	spaceUse    bool // Space was used for panning since it went down
	// background runs work off the UI goroutine; tests make it synchronous
	// (Fyne's test driver runs fyne.Do at once, on the caller's goroutine).
	background func(func())

	editor     *Editor
	list       *imageList
	classPanel *classPanel // the Classes column
	filterSel  *widget.Select
	badge      *widget.Label
	health     *widget.Label
	status     *widget.Label
	title      *widget.Label
	recent     *widget.Select
	tabs       *container.AppTabs
	// Train is the Train tab; the app sets its Start to run the worker.
	Train *TrainScreen
	// Export is the Export tab; the app sets its Export.
	Export  *ExportScreen
	Predict *PredictScreen
	Dataset *DatasetScreen
	// models is the Predict tab as pre-labelling sees it
	models modelSource
	// PrelabelAll is "Pre-label all unlabelled"; the app sets it.
	PrelabelAll PrelabelAllFunc
}

// displaySide is the long side pictures are decoded to: enough for a
// full-screen view; 24 MP photos come out at a quarter or half size.
const displaySide = 2048

// NewWindow builds the main window; recent lists recently opened folders.
func NewWindow(a fyne.App, recent []string) *Window {
	w := &Window{Window: a.NewWindow("LabelLoop"), Autosave: true, session: newSession(), cache: imgload.NewCache(8, displaySide),
		background: func(f func()) { go f() }}
	w.help = &helpSheet{win: w.Window}
	w.editor = NewEditor()
	w.classPanel = newClassPanel(&w.session, w.Window, w.editor, func() bool { return !w.hasUnsaved() || w.saveAll() },
		func(note string) {
			w.status.SetText(note)
			if w.cur >= 0 {
				w.doc = nil
				w.Show(w.cur) // reload the open image with the new name
			}
		})
	w.editor.Colors = func(name string) color.Color { return ClassColor(w.classes, name) }
	w.editor.ClassVisible = func(name string) bool { return !w.hidden[name] }
	w.editor.OnChanged = w.docChanged
	w.editor.OnPan = func() { w.spaceUse = true }
	w.editor.OnDetail = func(pic *imgload.Picture) {
		w.background(func() {
			if d, err := w.cache.Detail(pic.Path); err == nil {
				fyne.Do(func() { w.editor.SetDetail(d) })
			}
		})
	}
	w.editor.OnDrawn = func(i int, pos fyne.Position) {
		if w.defClass != "" {
			w.doc.SetClass(i, w.defClass)
			w.doc.End()
			w.editor.Refresh()
			w.docChanged()
			return
		}
		w.pickClass(i, pos, true)
	}
	w.editor.OnEditClass = func(i int, pos fyne.Position) { w.pickClass(i, pos, false) }

	w.status = widget.NewLabel("Open a dataset folder (Ctrl+O). F1 lists the shortcuts.")
	w.title = widget.NewLabel("No dataset")
	w.badge = widget.NewLabel("")
	w.badge.Importance = widget.WarningImportance
	// long texts are cut with an ellipsis instead of widening the window
	w.badge.Truncation = fyne.TextTruncateEllipsis
	w.status.Truncation = fyne.TextTruncateEllipsis
	w.title.Truncation = fyne.TextTruncateEllipsis
	w.badge.Hide()

	w.list = newImageList(w)
	w.list.OnSelected = func(id widget.ListItemID) {
		if id < len(w.shown) && w.shown[id] != w.cur {
			w.Show(w.shown[id])
		}
	}
	// a chosen filter gives the keys back to the editor (a focused Select
	// took D and W until the canvas was clicked)
	w.filterSel = widget.NewSelect(filterNames(), func(f string) { w.filter = listFilter(f); w.refilter(); w.Canvas().Unfocus() })
	w.filterSel.SetSelected("All")

	open := widget.NewButton("Open folder…", w.pickFolder)
	w.recent = widget.NewSelect(recent, func(dir string) {
		switch {
		case dir == "":
			return
		case w.ds != nil && dir == w.ds.Root:
			ds := w.ds
			w.background(func() { w.rescan(ds.Root, nil) }) // the same folder: pick up what changed
		default:
			w.Open(dir)
		}
		w.recent.ClearSelected() // so that picking the same entry again is seen
	})
	w.recent.PlaceHolder = "Recent folders"
	top := container.NewBorder(nil, nil, container.NewHBox(open, w.recent), nil, w.title)

	// Short labels: the keys are on the shortcut sheet (F1, the ? button),
	// and the toolbar must fit a 1024-pixel-wide window; narrower still,
	// it scrolls sideways rather than pushing the window wider.
	w.verifiedBtn = widget.NewButtonWithIcon("Verified", theme.ConfirmIcon(), w.toggleVerified)
	tools := container.NewHBox(
		widget.NewButton("Draw (W)", func() { w.setDrawing(!w.editor.Drawing) }),
		widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { w.step(-1) }),
		widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { w.step(1) }),
		w.verifiedBtn,
		widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { w.save() }),
		widget.NewButton("Fit", w.editor.ZoomFit),
		widget.NewButton("1:1", w.editor.ZoomActual),
		w.prelabelButton(),
		widget.NewButtonWithIcon("", theme.QuestionIcon(), w.help.show),
	)
	left := container.NewBorder(w.filterSel, nil, nil, nil, w.list)
	center := container.NewBorder(container.NewVBox(container.NewHScroll(tools), w.badge), nil, nil, nil, w.editor)
	split := container.NewHSplit(left, container.NewHSplit(center, w.classPanel.content()))
	split.Offset = 0.18
	split.Trailing.(*container.Split).Offset = 0.8
	w.Train = NewTrainScreen(nil)
	w.Train.window = w.Window
	w.Dataset = NewDatasetScreen()
	w.health = w.Dataset.text
	w.Export = NewExportScreen(nil)
	w.Predict = NewPredictScreen(w.Window)
	w.models = w.Predict
	w.Export.OnExported = w.Predict.SetModel
	w.Train.OnEvent = func(e protocol.Event) {
		if e.Event == protocol.EventDone {
			w.Export.Refresh()
		}
	}
	// Below a tab's natural size (an 800×600 screen) it scrolls instead of
	// making the window wider than the screen.
	fitTab := func(o fyne.CanvasObject) fyne.CanvasObject { return container.NewScroll(o) }
	predictTab := container.NewTabItem("Predict", fitTab(w.Predict.Content))
	labelTab := container.NewTabItem("Label", split)
	w.Dataset.Split.OnWritten = func() {
		if w.ds != nil {
			w.status.SetText("Split written in " + w.ds.Root)
		}
	}
	w.Dataset.OnOpenFile = func(path string) {
		if i := w.itemFor(path); i >= 0 {
			w.tabs.Select(labelTab)
			w.Show(i)
		}
	}
	w.tabs = container.NewAppTabs(
		labelTab,
		container.NewTabItem("Dataset", fitTab(w.Dataset.Content)),
		container.NewTabItem("Train", fitTab(w.Train.Content)),
		container.NewTabItem("Export", fitTab(container.NewPadded(w.Export.Content))),
		predictTab,
	)
	w.SetContent(container.NewBorder(top, w.status, nil, nil, w.tabs))
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
	w.bindKeys()
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

func (w *Window) pickFolder() {
	start := ""
	if w.ds != nil {
		start = filepath.Dir(w.ds.Root)
	}
	pickFolder(w.Window, start, w.Open)
}

// Open loads a dataset folder: the list appears at once, the health check
// runs in the background and then fills in each image's state.
func (w *Window) Open(dir string) {
	if w.hasUnsaved() {
		dialog.ShowConfirm("Unsaved changes", "Save the current changes before opening another folder?", func(ok bool) {
			if ok && !w.saveAll() {
				return
			}
			w.stash = map[int]*annotate.Doc{}
			w.doc = nil
			w.Open(dir)
		}, w.Window)
		return
	}
	ds, err := voc.Open(dir)
	if err != nil {
		dialog.ShowError(fmt.Errorf("cannot open %s: %w", dir, err), w.Window)
		return
	}
	w.ds, w.report, w.cur, w.doc, w.pic, w.prevObjs = ds, nil, -1, nil, nil, nil
	w.Train.SetDataset(ds.Root)
	w.Export.SetDataset(ds.Root)
	w.Predict.SetDataset(ds.Root)
	w.Dataset.Split.SetDataset(ds)
	w.items = make([]itemState, len(ds.Items))
	w.stash = map[int]*annotate.Doc{}
	w.classes = nil
	if cl, err := voc.ReadClasses(ds.ClassesPath()); err == nil {
		w.classes = cl
	}
	w.showTitle()
	w.status.SetText("Checking dataset…")
	w.editor.Set(nil, nil)
	w.refilter()
	w.classPanel.refresh()
	if w.OnOpen != nil {
		w.OnOpen(dir)
	}
	w.recent.Options = append([]string{dir}, slices.DeleteFunc(w.recent.Options, func(d string) bool { return d == dir })...)
	w.recheck()
	if w.unwatch != nil {
		close(w.unwatch)
	}
	w.unwatch = make(chan struct{})
	if err := watchFolder(ds, w.unwatch, func(rewritten []string) { w.rescan(ds.Root, rewritten) }); err != nil {
		fyne.LogError("watching "+ds.Root, err)
	}
	if len(w.shown) > 0 {
		w.list.Select(0)
	}
}

// showTitle names the open folder and its size.
func (w *Window) showTitle() {
	w.title.SetText(fmt.Sprintf("%s  (%s, %s)", w.ds.Root, w.ds.Layout, wording.Count(len(w.ds.Items), "item", "items")))
}

func (w *Window) setReport(rep *voc.Report) {
	w.report = rep
	for i, info := range rep.Items {
		w.items[i].boxes, w.items[i].verified, w.items[i].prelabelled, w.items[i].err = info.Boxes, info.Verified, info.Prelabelled, info.Error
	}
	w.classes = voc.MergeClasses(w.classes, rep.Classes)
	w.counts = map[string]int{}
	for _, c := range rep.Summary.Classes {
		w.counts[c.Name] = c.Boxes
	}
	w.Dataset.SetReport(rep)
	w.status.SetText(fmt.Sprintf("%s, %d labelled, %d unlabelled, %s — %s, %s",
		wording.Count(rep.Summary.Images, "image", "images"), rep.Summary.Labelled, rep.Summary.Unlabelled, wording.Count(rep.Summary.Boxes, "box", "boxes"),
		wording.Count(rep.Errors(), "error", "errors"), wording.Count(rep.Warnings(), "warning", "warnings")))
	w.refilter()
	w.classPanel.refresh()
	w.editor.Refresh() // class colours follow the class list
}

// refilter recomputes the rows the list shows and keeps the selection.
func (w *Window) refilter() {
	w.shown = w.visible(w.shown)
	w.list.Refresh()
	w.selectRow()
}

func (w *Window) selectRow() {
	for row, i := range w.shown {
		if i == w.cur {
			w.list.Select(row)
			return
		}
	}
	w.list.UnselectAll()
}

func (w *Window) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(w.shown) {
		return
	}
	i := w.shown[id]
	it := w.ds.Items[i]
	name := it.ID
	if it.Image != "" {
		name = filepath.Base(it.Image)
	}
	o.(*widget.Label).SetText(fmt.Sprintf("%s   %s", name, w.items[i].label(it)))
}

func (w *Window) hasUnsaved() bool {
	return (w.doc != nil && w.doc.Dirty()) || len(w.stash) > 0
}

// confirmQuit guards closing with unsaved changes.
func (w *Window) confirmQuit() {
	if !w.hasUnsaved() {
		w.Close()
		return
	}
	d := dialog.NewCustomConfirm("Unsaved changes", "Save", "Close without saving",
		widget.NewLabel("Some images have changes that are not saved."), func(save bool) {
			if save && !w.saveAll() {
				return
			}
			w.Close()
		}, w.Window)
	d.Show()
}

// itemFor is the item whose image or annotation is path, or -1.
func (w *Window) itemFor(path string) int {
	if w.ds == nil {
		return -1
	}
	for i, it := range w.ds.Items {
		if it.Image == path || it.XML == path {
			return i
		}
	}
	return -1
}
