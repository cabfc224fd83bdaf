package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// LabelScreen is the Label tab: the image list with its filter, the
// editor with its toolbar and the Classes column, over the labelling
// session of the open folder. It also owns the folder's title and the
// status line, which the window shows above and below the tabs. It hears
// the rest of the window through the Predict tab as a modelSource, the
// Dataset tab as a datasetPage, and the opened hook.
type LabelScreen struct {
	// Content is the tab; Title names the open folder and Status says
	// what the last action did (the window places both).
	Content, Title, Status fyne.CanvasObject
	// Autosave saves when leaving an edited image (default on).
	Autosave bool
	// PrelabelAll is "Pre-label all unlabelled"; the app sets it.
	PrelabelAll PrelabelAllFunc

	session             // the labelling state (session.go)
	win     fyne.Window // for dialogs, pop-ups and focus
	// saved says annotations were saved since the last health check: the
	// Dataset tab checks again when it is shown
	saved   bool
	cache   *imgload.Cache
	loadGen int
	heading int           // the last step's direction (+1 next, -1 previous): the prefetch looks that way
	unwatch chan struct{} // closes the open folder's watcher
	help    *helpSheet
	// spaceUse is set when Space was used for panning since it went down
	spaceUse bool
	// background runs work off the UI goroutine; tests make it synchronous
	// (Fyne's test driver runs fyne.Do at once, on the caller's goroutine).
	background func(func())

	editor      *Editor
	list        *imageList
	classPanel  *classPanel // the Classes column
	filterSel   *widget.Select
	verifiedBtn *widget.Button
	badge       *widget.Label
	status      *widget.Label
	title       *widget.Label
	// models is the Predict tab as pre-labelling sees it
	models modelSource
	// page is the Dataset tab as labelling sees it
	page datasetPage
	// opened tells the window a folder opened (dir as asked, root as
	// found): the other tabs follow it and the recent list records it.
	opened func(dir, root string)
}

// datasetPage is what labelling tells the Dataset tab: the folder's
// listing, the health check's report, and that a save made a written
// split stale.
type datasetPage interface {
	setListing(ds *voc.Dataset)
	SetReport(rep *voc.Report)
	stale()
}

// displaySide is the long side pictures are decoded to: enough for a
// full-screen view; 24 MP photos come out at a quarter or half size.
const displaySide = 2048

// newLabelScreen builds the Label tab in win.
func newLabelScreen(win fyne.Window, models modelSource, page datasetPage) *LabelScreen {
	l := &LabelScreen{win: win, Autosave: true, session: newSession(), cache: imgload.NewCache(8, displaySide),
		models: models, page: page, background: func(f func()) { go f() }}
	l.help = &helpSheet{win: win}
	l.editor = NewEditor()
	l.classPanel = newClassPanel(&l.session, win, l.editor, func() bool { return !l.hasUnsaved() || l.saveAll() },
		func(note string) {
			l.status.SetText(note)
			if l.cur >= 0 {
				l.doc = nil
				l.Show(l.cur) // reload the open image with the new name
			}
		})
	l.hookEditor()

	l.status = widget.NewLabel("Open a dataset folder (Ctrl+O). F1 lists the shortcuts.")
	l.title = widget.NewLabel("No dataset")
	l.badge = widget.NewLabel("")
	l.badge.Importance = widget.WarningImportance
	// long texts are cut with an ellipsis instead of widening the window
	l.badge.Truncation = fyne.TextTruncateEllipsis
	l.status.Truncation = fyne.TextTruncateEllipsis
	l.title.Truncation = fyne.TextTruncateEllipsis
	l.badge.Hide()
	l.Title, l.Status = l.title, l.status

	l.list = newImageList(l)
	l.list.OnSelected = func(id widget.ListItemID) {
		if id < len(l.shown) && l.shown[id] != l.cur {
			l.Show(l.shown[id])
		}
	}
	// a chosen filter gives the keys back to the editor (a focused Select
	// took D and W until the canvas was clicked)
	l.filterSel = widget.NewSelect(filterNames(), func(f string) { l.filter = listFilter(f); l.refilter(); win.Canvas().Unfocus() })
	l.filterSel.SetSelected("All")

	left := container.NewBorder(l.filterSel, nil, nil, nil, l.list)
	center := container.NewBorder(container.NewVBox(container.NewHScroll(l.toolbar()), l.badge), nil, nil, nil, l.editor)
	split := container.NewHSplit(left, container.NewHSplit(center, l.classPanel.content()))
	split.Offset = 0.18
	split.Trailing.(*container.Split).Offset = 0.8
	l.Content = split
	return l
}

// hookEditor connects the editor's events to the session: its colours and
// class filter, edits, panning, the detail decode and the class of a box.
func (l *LabelScreen) hookEditor() {
	l.editor.Colors = func(name string) color.Color { return ClassColor(l.classes, name) }
	l.editor.ClassVisible = func(name string) bool { return !l.hidden[name] }
	l.editor.OnChanged = l.docChanged
	l.editor.OnPan = func() { l.spaceUse = true }
	l.editor.OnDetail = func(pic *imgload.Picture) {
		l.background(func() {
			if d, err := l.cache.Detail(pic.Path); err == nil {
				fyne.Do(func() { l.editor.SetDetail(d) })
			}
		})
	}
	l.editor.OnDrawn = func(i int, pos fyne.Position) {
		if l.defClass != "" {
			l.doc.SetClass(i, l.defClass)
			l.doc.End()
			l.editor.Refresh()
			l.docChanged()
			return
		}
		l.pickClass(i, pos, true)
	}
	l.editor.OnEditClass = func(i int, pos fyne.Position) { l.pickClass(i, pos, false) }
}

// toolbar is the row above the picture. Short labels: the keys are on the
// shortcut sheet (F1, the ? button), and the toolbar must fit a
// 1024-pixel-wide window; narrower still, it scrolls sideways rather than
// pushing the window wider.
func (l *LabelScreen) toolbar() fyne.CanvasObject {
	l.verifiedBtn = widget.NewButtonWithIcon("Verified", theme.ConfirmIcon(), l.toggleVerified)
	return container.NewHBox(
		widget.NewButton("Draw (W)", func() { l.setDrawing(!l.editor.Drawing) }),
		widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { l.step(-1) }),
		widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { l.step(1) }),
		l.verifiedBtn,
		widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { l.save() }),
		widget.NewButton("Fit", l.editor.ZoomFit),
		widget.NewButton("1:1", l.editor.ZoomActual),
		l.prelabelButton(),
		widget.NewButtonWithIcon("", theme.QuestionIcon(), l.help.show),
	)
}

// Show switches the editor to item i: the current image is autosaved if
// edited, the new picture comes from the cache (decoded ahead by the
// prefetch) or is decoded off the UI goroutine, and the neighbours in the
// list are prefetched.
func (l *LabelScreen) Show(i int) {
	if l.ds == nil || i < 0 || i >= len(l.ds.Items) {
		return
	}
	l.leave()
	l.cur = i
	l.cache.ScreenSide.Store(l.screenSide())
	l.selectRow()
	it := l.ds.Items[i]
	l.prefetchAround(i)
	if it.Image == "" {
		l.editor.Set(nil, nil)
		l.showVerified()
		l.status.SetText(fmt.Sprintf("%s: no image for this annotation", it.XML))
		return
	}
	l.loadGen++
	gen := l.loadGen
	if l.cache.Cached(it.Image) {
		pic, err := l.cache.Get(it.Image)
		l.showPicture(i, pic, err)
		l.background(func() { l.updateBadge(it.Image, gen) })
		return
	}
	l.background(func() {
		pic, err := l.cache.Get(it.Image)
		fyne.Do(func() {
			if gen == l.loadGen {
				l.showPicture(i, pic, err)
			}
		})
	})
	l.background(func() { l.updateBadge(it.Image, gen) })
}

// screenSide is the long side, in pixels, of the picture area: the size
// of the screen copies the prefetch makes.
func (l *LabelScreen) screenSide() int64 {
	sz := l.editor.Size()
	return int64(max(sz.Width, sz.Height) * l.win.Canvas().Scale())
}

func (l *LabelScreen) prefetchAround(i int) {
	for row, k := range l.shown {
		if k != i {
			continue
		}
		h := l.heading
		if h == 0 {
			h = 1
		}
		// two ahead the way the person is going, one behind: going
		// back with A, the picture after next was not ready in time
		for _, r := range []int{row + h, row + 2*h, row - h} {
			if r >= 0 && r < len(l.shown) {
				l.cache.Prefetch(l.ds.Items[l.shown[r]].Image)
			}
		}
		return
	}
}

// updateBadge warns about EXIF-rotated photos: they are shown, and must be
// labelled, as stored.
func (l *LabelScreen) updateBadge(path string, gen int) {
	info, err := voc.ReadImageInfo(path)
	fyne.Do(func() {
		if gen != l.loadGen {
			return
		}
		if err == nil && info.Orientation != 1 {
			l.badge.SetText(fmt.Sprintf("EXIF orientation %d: shown as stored (viewers may show it turned); label it as you see it here", info.Orientation))
			l.badge.Show()
		} else {
			l.badge.Hide()
		}
	})
}

func (l *LabelScreen) showPicture(i int, pic *imgload.Picture, err error) {
	it := l.ds.Items[i]
	if err != nil {
		l.editor.Set(nil, nil)
		l.showVerified() // not the picture before's state
		l.status.SetText(err.Error())
		return
	}
	doc, msg := l.docFor(i, pic)
	l.pic, l.doc = pic, doc
	l.onDisk = nil
	if doc != nil && l.stash[i] == nil && it.XML != "" {
		l.onDisk = append(l.onDisk, doc.Objects()...)
	}
	l.editor.Set(pic, doc)
	l.showVerified()
	if msg != "" {
		l.status.SetText(msg)
	} else {
		l.status.SetText(fmt.Sprintf("%s — %dx%d, %s", filepath.Base(it.Image), pic.W, pic.H, wording.Count(len(doc.Objects()), "box", "boxes")))
	}
}

// docFor is the document for item i: stashed edits, the XML, or a new
// annotation. A file that does not parse is shown read-only and never
// overwritten.
func (l *LabelScreen) docFor(i int, pic *imgload.Picture) (*annotate.Doc, string) {
	if d, ok := l.stash[i]; ok {
		return d, "unsaved changes from earlier (the last save failed)"
	}
	it := l.ds.Items[i]
	if it.XML != "" {
		a, err := voc.LoadAnnotation(it.XML)
		if err == nil {
			return annotate.New(a, pic.W, pic.H), ""
		}
		l.items[i].err = true
		return nil, err.Error() + " — fix the file by hand; LabelLoop will not overwrite it"
	}
	return annotate.New(voc.NewAnnotation(it.Image, pic.W, pic.H, 3), pic.W, pic.H), ""
}

// leave autosaves the current image if it was edited, and remembers its
// boxes for Ctrl+V.
func (l *LabelScreen) leave() {
	if l.doc == nil {
		return
	}
	l.prevObjs = append(l.prevObjs[:0], l.doc.Objects()...)
	if l.doc.Dirty() {
		if l.Autosave {
			l.save()
		} else {
			l.stash[l.cur] = l.doc
			l.items[l.cur].unsaved = true
		}
	}
	l.doc = nil
}

// save writes the current image's annotation; on failure the edits stay
// in memory, marked unsaved.
func (l *LabelScreen) save() bool {
	if l.doc == nil || l.cur < 0 {
		return false
	}
	i := l.cur
	it := &l.ds.Items[i]
	path := it.XML
	if path == "" {
		path = l.ds.XMLPathFor(it.Image)
	}
	a := l.doc.Annotation()
	for k := range a.Objects {
		if a.Objects[k].Name == "" {
			a.Objects[k].Name = "unnamed" // an empty <name> would not parse again
		}
	}
	if err := voc.SaveAnnotation(path, a); err != nil {
		l.stash[i] = l.doc
		l.items[i].unsaved = true
		l.status.SetText("not saved: " + err.Error())
		dialog.ShowError(err, l.win)
		l.list.Refresh()
		return false
	}
	l.doc.MarkSaved()
	if st, err := os.Stat(path); err == nil {
		l.ownWrites[path] = st.ModTime()
	}
	l.page.stale()
	l.saved = true
	if l.counts != nil && l.doc == l.docShown() {
		for _, o := range l.onDisk {
			l.counts[o.Name]--
		}
		for _, o := range a.Objects {
			l.counts[o.Name]++
		}
		l.onDisk = append(l.onDisk[:0], a.Objects...)
	}
	delete(l.stash, i)
	it.XML = path
	l.items[i] = itemState{boxes: len(a.Objects), verified: a.Verified, prelabelled: a.Prelabelled != ""}
	l.status.SetText("saved " + path)
	l.list.Refresh()
	l.classPanel.refresh()
	return true
}

// hasUnsaved says some image has edits not written to disk.
func (l *LabelScreen) hasUnsaved() bool {
	return (l.doc != nil && l.doc.Dirty()) || len(l.stash) > 0
}

// saveAll saves the current image and every stashed one.
func (l *LabelScreen) saveAll() bool {
	ok := true
	if l.doc != nil && l.doc.Dirty() {
		ok = l.save()
	}
	cur, doc := l.cur, l.doc
	for i, d := range l.stash {
		l.cur, l.doc = i, d
		ok = l.save() && ok
	}
	l.cur, l.doc = cur, doc
	return ok
}

// step moves through the list (D/A).
func (l *LabelScreen) step(delta int) {
	if delta != 0 {
		l.heading = delta / max(delta, -delta)
	}
	for row, i := range l.shown {
		if i == l.cur {
			if r := row + delta; r >= 0 && r < len(l.shown) {
				l.Show(l.shown[r])
			}
			return
		}
	}
	if len(l.shown) > 0 {
		l.Show(l.shown[0])
	}
}

func (l *LabelScreen) toggleVerified() {
	if l.doc == nil {
		return
	}
	l.doc.SetVerified(!l.doc.Verified())
	l.docChanged()
}

func (l *LabelScreen) setDrawing(on bool) {
	if l.doc == nil {
		on = false
	}
	l.editor.Drawing = on
	l.editor.Refresh()
	if on {
		l.status.SetText("Draw mode: drag a box (Esc cancels)")
	}
}

// docChanged updates what depends on the document after an edit.
func (l *LabelScreen) docChanged() {
	if l.doc == nil || l.cur < 0 {
		return
	}
	s := &l.items[l.cur]
	s.boxes, s.verified, s.prelabelled, s.edited = len(l.doc.Objects()), l.doc.Verified(), l.doc.Prelabelled() != "", l.doc.Dirty()
	l.showVerified()
	flag := ""
	if l.doc.Dirty() {
		flag = " (edited)"
	}
	sel := ""
	if k := l.doc.Selected(); k >= 0 {
		o := l.doc.Objects()[k]
		sel = fmt.Sprintf(" — selected: %s (%.0f,%.0f)-(%.0f,%.0f)", o.Name, o.Box.Xmin, o.Box.Ymin, o.Box.Xmax, o.Box.Ymax)
		if o.Difficult {
			sel += " difficult"
		}
		if o.Truncated {
			sel += " truncated"
		}
	}
	ver := ""
	if l.doc.Verified() {
		ver = ", verified"
	} else if m := l.doc.Prelabelled(); m != "" {
		ver = ", pre-labelled by " + m + ": review, then Space"
	}
	l.status.SetText(fmt.Sprintf("%s%s — %s%s%s", filepath.Base(l.ds.Items[l.cur].Image), flag, wording.Count(len(l.doc.Objects()), "box", "boxes"), ver, sel))
	l.list.RefreshItem(l.rowOf(l.cur))
}

// docShown is the document of the image on screen.
func (l *LabelScreen) docShown() *annotate.Doc { return l.editor.Doc() }

// showVerified colours the Verified button when the open image is
// verified: the button shows the state it toggles.
func (l *LabelScreen) showVerified() {
	imp := widget.MediumImportance
	if l.doc != nil && l.doc.Verified() {
		imp = widget.SuccessImportance
	}
	if l.verifiedBtn.Importance != imp {
		l.verifiedBtn.Importance = imp
		l.verifiedBtn.Refresh()
	}
}
