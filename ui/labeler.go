package ui

import (
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// Show switches the editor to item i: the current image is autosaved if
// edited, the new picture comes from the cache (decoded ahead by the
// prefetch) or is decoded off the UI goroutine, and the neighbours in the
// list are prefetched.
func (w *Window) Show(i int) {
	if w.ds == nil || i < 0 || i >= len(w.ds.Items) {
		return
	}
	w.leave()
	w.cur = i
	w.cache.ScreenSide.Store(w.screenSide())
	w.selectRow()
	it := w.ds.Items[i]
	w.prefetchAround(i)
	if it.Image == "" {
		w.editor.Set(nil, nil)
		w.status.SetText(fmt.Sprintf("%s: no image for this annotation", it.XML))
		return
	}
	w.loadGen++
	gen := w.loadGen
	if w.cache.Cached(it.Image) {
		pic, err := w.cache.Get(it.Image)
		w.showPicture(i, pic, err)
		w.background(func() { w.updateBadge(it.Image, gen) })
		return
	}
	w.background(func() {
		pic, err := w.cache.Get(it.Image)
		fyne.Do(func() {
			if gen == w.loadGen {
				w.showPicture(i, pic, err)
			}
		})
	})
	w.background(func() { w.updateBadge(it.Image, gen) })
}

// screenSide is the long side, in pixels, of the picture area: the size
// of the screen copies the prefetch makes.
func (w *Window) screenSide() int64 {
	sz := w.editor.Size()
	return int64(max(sz.Width, sz.Height) * w.Canvas().Scale())
}

func (w *Window) prefetchAround(i int) {
	for row, k := range w.shown {
		if k != i {
			continue
		}
		h := w.heading
		if h == 0 {
			h = 1
		}
		// two ahead the way the person is going, one behind: going
		// back with A, the picture after next was not ready in time
		for _, r := range []int{row + h, row + 2*h, row - h} {
			if r >= 0 && r < len(w.shown) {
				w.cache.Prefetch(w.ds.Items[w.shown[r]].Image)
			}
		}
		return
	}
}

// updateBadge warns about EXIF-rotated photos: they are shown, and must be
// labelled, as stored.
func (w *Window) updateBadge(path string, gen int) {
	info, err := voc.ReadImageInfo(path)
	fyne.Do(func() {
		if gen != w.loadGen {
			return
		}
		if err == nil && info.Orientation != 1 {
			w.badge.SetText(fmt.Sprintf("EXIF orientation %d: shown as stored (viewers may show it turned); label it as you see it here", info.Orientation))
			w.badge.Show()
		} else {
			w.badge.Hide()
		}
	})
}

func (w *Window) showPicture(i int, pic *imgload.Picture, err error) {
	it := w.ds.Items[i]
	if err != nil {
		w.editor.Set(nil, nil)
		w.status.SetText(err.Error())
		return
	}
	doc, msg := w.docFor(i, pic)
	w.pic, w.doc = pic, doc
	w.onDisk = nil
	if doc != nil && w.stash[i] == nil && it.XML != "" {
		w.onDisk = append(w.onDisk, doc.Objects()...)
	}
	w.editor.Set(pic, doc)
	w.showVerified()
	if msg != "" {
		w.status.SetText(msg)
	} else {
		w.status.SetText(fmt.Sprintf("%s — %dx%d, %s", filepath.Base(it.Image), pic.W, pic.H, wording.Count(len(doc.Objects()), "box", "boxes")))
	}
}

// docFor is the document for item i: stashed edits, the XML, or a new
// annotation. A file that does not parse is shown read-only and never
// overwritten.
func (w *Window) docFor(i int, pic *imgload.Picture) (*annotate.Doc, string) {
	if d, ok := w.stash[i]; ok {
		return d, "unsaved changes from earlier (the last save failed)"
	}
	it := w.ds.Items[i]
	if it.XML != "" {
		a, err := voc.LoadAnnotation(it.XML)
		if err == nil {
			return annotate.New(a, pic.W, pic.H), ""
		}
		w.items[i].err = true
		return nil, err.Error() + " — fix the file by hand; LabelLoop will not overwrite it"
	}
	return annotate.New(voc.NewAnnotation(it.Image, pic.W, pic.H, 3), pic.W, pic.H), ""
}

// leave autosaves the current image if it was edited, and remembers its
// boxes for Ctrl+V.
func (w *Window) leave() {
	if w.doc == nil {
		return
	}
	w.prevObjs = append(w.prevObjs[:0], w.doc.Objects()...)
	if w.doc.Dirty() {
		if w.Autosave {
			w.save()
		} else {
			w.stash[w.cur] = w.doc
			w.items[w.cur].unsaved = true
		}
	}
	w.doc = nil
}

// save writes the current image's annotation; on failure the edits stay
// in memory, marked unsaved.
func (w *Window) save() bool {
	if w.doc == nil || w.cur < 0 {
		return false
	}
	i := w.cur
	it := &w.ds.Items[i]
	path := it.XML
	if path == "" {
		path = w.ds.XMLPathFor(it.Image)
	}
	a := w.doc.Annotation()
	for k := range a.Objects {
		if a.Objects[k].Name == "" {
			a.Objects[k].Name = "unnamed" // an empty <name> would not parse again
		}
	}
	if err := voc.SaveAnnotation(path, a); err != nil {
		w.stash[i] = w.doc
		w.items[i].unsaved = true
		w.status.SetText("not saved: " + err.Error())
		dialog.ShowError(err, w.Window)
		w.list.Refresh()
		return false
	}
	w.doc.MarkSaved()
	if st, err := os.Stat(path); err == nil {
		w.ownWrites[path] = st.ModTime()
	}
	w.Dataset.Split.Stale()
	if w.counts != nil && w.doc == w.docShown() {
		for _, o := range w.onDisk {
			w.counts[o.Name]--
		}
		for _, o := range a.Objects {
			w.counts[o.Name]++
		}
		w.onDisk = append(w.onDisk[:0], a.Objects...)
	}
	delete(w.stash, i)
	it.XML = path
	w.items[i] = itemState{boxes: len(a.Objects), verified: a.Verified, prelabelled: a.Prelabelled != ""}
	w.status.SetText("saved " + path)
	w.list.Refresh()
	w.classPanel.refresh()
	return true
}

// saveAll saves the current image and every stashed one.
func (w *Window) saveAll() bool {
	ok := true
	if w.doc != nil && w.doc.Dirty() {
		ok = w.save()
	}
	cur, doc := w.cur, w.doc
	for i, d := range w.stash {
		w.cur, w.doc = i, d
		ok = w.save() && ok
	}
	w.cur, w.doc = cur, doc
	return ok
}

// step moves through the list (D/A).
func (w *Window) step(delta int) {
	if delta != 0 {
		w.heading = delta / max(delta, -delta)
	}
	for row, i := range w.shown {
		if i == w.cur {
			if r := row + delta; r >= 0 && r < len(w.shown) {
				w.Show(w.shown[r])
			}
			return
		}
	}
	if len(w.shown) > 0 {
		w.Show(w.shown[0])
	}
}

func (w *Window) toggleVerified() {
	if w.doc == nil {
		return
	}
	w.doc.SetVerified(!w.doc.Verified())
	w.docChanged()
}

func (w *Window) setDrawing(on bool) {
	if w.doc == nil {
		on = false
	}
	w.editor.Drawing = on
	w.editor.Refresh()
	if on {
		w.status.SetText("Draw mode: drag a box (Esc cancels)")
	}
}

// docChanged updates what depends on the document after an edit.
func (w *Window) docChanged() {
	if w.doc == nil || w.cur < 0 {
		return
	}
	s := &w.items[w.cur]
	s.boxes, s.verified, s.prelabelled, s.edited = len(w.doc.Objects()), w.doc.Verified(), w.doc.Prelabelled() != "", w.doc.Dirty()
	w.showVerified()
	flag := ""
	if w.doc.Dirty() {
		flag = " (edited)"
	}
	sel := ""
	if k := w.doc.Selected(); k >= 0 {
		o := w.doc.Objects()[k]
		sel = fmt.Sprintf(" — selected: %s (%.0f,%.0f)-(%.0f,%.0f)", o.Name, o.Box.Xmin, o.Box.Ymin, o.Box.Xmax, o.Box.Ymax)
		if o.Difficult {
			sel += " difficult"
		}
		if o.Truncated {
			sel += " truncated"
		}
	}
	ver := ""
	if w.doc.Verified() {
		ver = ", verified"
	} else if m := w.doc.Prelabelled(); m != "" {
		ver = ", pre-labelled by " + m + ": review, then Space"
	}
	w.status.SetText(fmt.Sprintf("%s%s — %s%s%s", filepath.Base(w.ds.Items[w.cur].Image), flag, wording.Count(len(w.doc.Objects()), "box", "boxes"), ver, sel))
	w.list.RefreshItem(w.rowOf(w.cur))
}

func (w *Window) rowOf(i int) int {
	for row, k := range w.shown {
		if k == i {
			return row
		}
	}
	return -1
}

// docShown is the document of the image on screen.
func (w *Window) docShown() *annotate.Doc { return w.editor.Doc() }

// showVerified colours the Verified button when the open image is
// verified: the button shows the state it toggles.
func (w *Window) showVerified() {
	imp := widget.MediumImportance
	if w.doc != nil && w.doc.Verified() {
		imp = widget.SuccessImportance
	}
	if w.verifiedBtn.Importance != imp {
		w.verifiedBtn.Importance = imp
		w.verifiedBtn.Refresh()
	}
}
