package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// shortcut is one keyboard shortcut, listed in the help sheet too.
type shortcut struct {
	keys string
	what string
}

// shortcuts follow LabelImg's where it has one.
var shortcuts = []shortcut{
	{"W", "draw a box (drag); Esc leaves draw mode"},
	{"D / A", "next / previous image (saves edits first)"},
	{"Space", "mark the image verified (or unverified)"},
	{"Space + drag, middle drag", "pan"},
	{"Wheel", "zoom around the pointer"},
	{"Ctrl+= / Ctrl+F", "zoom 1:1 / fit the window"},
	{"Click, drag", "select, move; drag a handle to resize"},
	{"Arrows (Shift: 10 px)", "nudge the selected box"},
	{"Del", "delete the selected box"},
	{"Ctrl+D", "duplicate the selected box"},
	{"Ctrl+E, double-click", "change the selected box's class"},
	{"X / T", "toggle difficult / truncated"},
	{"Ctrl+V", "copy all boxes from the previous image"},
	{"Ctrl+P", "pre-label the image with the Predict tab's model (unverified, one undo step)"},
	{"Ctrl+H / Ctrl+A", "hide or show boxes / show boxes"},
	{"Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "undo / redo"},
	{"Ctrl+S", "save"},
	{"Ctrl+O", "open a folder"},
	{"F1 or ?", "this sheet"},
}

func (w *Window) bindKeys() {
	c := w.Canvas()
	ctrl := func(k fyne.KeyName, f func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { f() })
	}
	ctrlShift := func(k fyne.KeyName, f func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}, func(fyne.Shortcut) { f() })
	}
	withDoc := func(f func()) func() {
		return func() {
			if w.doc != nil {
				f()
				w.editor.Refresh()
				w.docChanged()
			}
		}
	}
	// Fyne's window turns Ctrl+Z, Ctrl+Y, Ctrl+V and Ctrl+A into its
	// standard shortcuts before custom ones are looked up, so those four
	// are bound by their standard names.
	std := func(sc fyne.Shortcut, f func()) { c.AddShortcut(sc, func(fyne.Shortcut) { f() }) }
	std(&fyne.ShortcutUndo{}, withDoc(func() { w.doc.Undo() }))
	std(&fyne.ShortcutRedo{}, withDoc(func() { w.doc.Redo() }))
	std(&fyne.ShortcutPaste{}, withDoc(func() { w.doc.Paste(w.prevObjs) }))
	std(&fyne.ShortcutSelectAll{}, func() { w.showBoxes(true) })
	ctrl(fyne.KeyS, func() { w.save() })
	ctrl(fyne.KeyP, w.prelabel)
	ctrl(fyne.KeyO, w.pickFolder)
	ctrlShift(fyne.KeyZ, withDoc(func() { w.doc.Redo() }))
	ctrl(fyne.KeyD, withDoc(func() { w.doc.Duplicate(w.doc.Selected()) }))
	ctrl(fyne.KeyE, func() {
		if w.doc != nil && w.doc.Selected() >= 0 {
			w.pickClass(w.doc.Selected(), w.editor.cursor, false)
		}
	})
	ctrl(fyne.KeyH, func() { w.showBoxes(w.editor.HideBoxes) })
	ctrl(fyne.KeyEqual, w.editor.ZoomActual)
	ctrl(fyne.KeyF, w.editor.ZoomFit)
	c.SetOnTypedKey(w.typedKey)
	c.SetOnTypedRune(w.typedRune)
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(w.keyDown)
		dc.SetOnKeyUp(w.keyUp)
	}
}

var shiftDown bool

func (w *Window) typedRune(r rune) {
	if r == '?' {
		w.showHelp()
	}
}

// showBoxes shows or hides the boxes (Ctrl+H toggles, Ctrl+A shows).
func (w *Window) showBoxes(on bool) {
	w.editor.HideBoxes = !on
	w.editor.Refresh()
	if !on {
		w.status.SetText("Boxes hidden: Ctrl+H or Ctrl+A shows them")
	}
}

func (w *Window) keyDown(k *fyne.KeyEvent) {
	switch k.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		shiftDown = true
	case fyne.KeySpace:
		if !w.editor.PanKey {
			w.editor.PanKey, w.spaceUse = true, false
		}
	}
}

// keyUp: Space released without panning toggles verified, as in LabelImg.
func (w *Window) keyUp(k *fyne.KeyEvent) {
	switch k.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		shiftDown = false
	case fyne.KeySpace:
		w.editor.PanKey = false
		if !w.spaceUse && w.editor.drag.kind == dragNone {
			w.toggleVerified()
		}
		w.spaceUse = false
	}
}

func (w *Window) typedKey(k *fyne.KeyEvent) {
	step := 1.0
	if shiftDown {
		step = 10
	}
	nudge := func(dx, dy float64) {
		if w.doc != nil && w.doc.Selected() >= 0 {
			w.doc.Nudge(w.doc.Selected(), dx*step, dy*step)
			w.editor.Refresh()
			w.docChanged()
		}
	}
	toggle := func(f func(int)) {
		if w.doc != nil && w.doc.Selected() >= 0 {
			f(w.doc.Selected())
			w.docChanged()
		}
	}
	switch k.Name {
	case fyne.KeyW:
		w.setDrawing(!w.editor.Drawing)
	case fyne.KeyEscape:
		if w.closeSheet() {
			return
		}
		w.setDrawing(false)
		if w.doc != nil {
			w.doc.Select(-1)
			w.editor.Refresh()
		}
	case fyne.KeyD:
		w.step(1)
	case fyne.KeyA:
		w.step(-1)
	case fyne.KeyDelete, fyne.KeyBackspace:
		if w.doc != nil && w.doc.Selected() >= 0 {
			w.doc.Delete(w.doc.Selected())
			w.editor.Refresh()
			w.docChanged()
		}
	case fyne.KeyLeft:
		nudge(-1, 0)
	case fyne.KeyRight:
		nudge(1, 0)
	case fyne.KeyUp:
		nudge(0, -1)
	case fyne.KeyDown:
		nudge(0, 1)
	case fyne.KeyX:
		toggle(func(i int) { w.doc.ToggleDifficult(i) })
	case fyne.KeyT:
		toggle(func(i int) { w.doc.ToggleTruncated(i) })
	case fyne.KeyF1:
		w.showHelp()
	}
}
