package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// chord is a key with its modifiers (none, Ctrl, Ctrl+Shift).
type chord struct {
	mod fyne.KeyModifier
	key fyne.KeyName
}

var (
	ctrlKey      = fyne.KeyModifierShortcutDefault
	ctrlShiftKey = fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift
)

// keyAction is a chord and what it does.
type keyAction struct {
	chord
	do func(w *Window)
}

// binding is one row of the shortcut sheet and what its keys do. Rows
// without keys are the mouse's and Space's (handled by the editor and by
// keyDown/keyUp); the sheet lists them all the same.
type binding struct {
	keys string
	what string
	bind []keyAction
}

// bindings follow LabelImg's where it has one. This one table binds the
// keys (bindKeys) and writes the sheet (helpSheet), so the two cannot
// disagree. (Set in init: its actions open the sheet, which reads it.)
var bindings []binding

func init() {
	plain := func(k fyne.KeyName, do func(w *Window)) keyAction { return keyAction{chord{0, k}, do} }
	ctrl := func(k fyne.KeyName, do func(w *Window)) keyAction { return keyAction{chord{ctrlKey, k}, do} }
	edit := func(f func(w *Window)) func(w *Window) { return func(w *Window) { w.withDoc(func() { f(w) }) } }
	selected := func(f func(w *Window, i int)) func(w *Window) {
		return func(w *Window) { w.onSelected(func(i int) { f(w, i) }) }
	}
	bindings = []binding{
		{"W", "draw a box (drag); Esc leaves draw mode", []keyAction{plain(fyne.KeyW, func(w *Window) { w.setDrawing(!w.editor.Drawing) })}},
		{"D / A", "next / previous image (saves edits first)", []keyAction{
			plain(fyne.KeyD, func(w *Window) { w.step(1) }), plain(fyne.KeyA, func(w *Window) { w.step(-1) })}},
		{"Space", "mark the image verified (or unverified)", nil},
		{"Space + drag, middle drag", "pan", nil},
		{"Wheel", "zoom around the pointer", nil},
		{"Ctrl+= / Ctrl+F", "zoom 1:1 / fit the window", []keyAction{
			ctrl(fyne.KeyEqual, func(w *Window) { w.editor.ZoomActual() }), ctrl(fyne.KeyF, func(w *Window) { w.editor.ZoomFit() })}},
		{"Click, drag", "select, move; drag a handle to resize", nil},
		{"Arrows (Shift: 10 px)", "nudge the selected box", []keyAction{
			plain(fyne.KeyLeft, func(w *Window) { w.nudge(-1, 0) }), plain(fyne.KeyRight, func(w *Window) { w.nudge(1, 0) }),
			plain(fyne.KeyUp, func(w *Window) { w.nudge(0, -1) }), plain(fyne.KeyDown, func(w *Window) { w.nudge(0, 1) })}},
		{"Del", "delete the selected box", []keyAction{
			plain(fyne.KeyDelete, selected(func(w *Window, i int) { w.doc.Delete(i) })),
			plain(fyne.KeyBackspace, selected(func(w *Window, i int) { w.doc.Delete(i) }))}},
		{"Ctrl+D", "duplicate the selected box", []keyAction{ctrl(fyne.KeyD, selected(func(w *Window, i int) { w.doc.Duplicate(i) }))}},
		{"Ctrl+E, double-click", "change the selected box's class", []keyAction{ctrl(fyne.KeyE, func(w *Window) {
			if w.doc != nil && w.doc.Selected() >= 0 {
				w.pickClass(w.doc.Selected(), w.editor.cursor, false)
			}
		})}},
		{"X / T", "toggle difficult / truncated", []keyAction{
			plain(fyne.KeyX, selected(func(w *Window, i int) { w.doc.ToggleDifficult(i) })),
			plain(fyne.KeyT, selected(func(w *Window, i int) { w.doc.ToggleTruncated(i) }))}},
		{"Ctrl+V", "copy all boxes from the previous image", []keyAction{ctrl(fyne.KeyV, edit(func(w *Window) { w.doc.Paste(w.prevObjs) }))}},
		{"Ctrl+P", "pre-label the image with the Predict tab's model (unverified, one undo step)", []keyAction{ctrl(fyne.KeyP, func(w *Window) { w.prelabel() })}},
		{"Ctrl+H / Ctrl+A", "hide or show boxes / show boxes", []keyAction{
			ctrl(fyne.KeyH, func(w *Window) { w.showBoxes(w.editor.HideBoxes) }), ctrl(fyne.KeyA, func(w *Window) { w.showBoxes(true) })}},
		{"Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "undo / redo", []keyAction{
			ctrl(fyne.KeyZ, edit(func(w *Window) { w.doc.Undo() })),
			{chord{ctrlShiftKey, fyne.KeyZ}, edit(func(w *Window) { w.doc.Redo() })},
			ctrl(fyne.KeyY, edit(func(w *Window) { w.doc.Redo() }))}},
		{"Ctrl+S", "save", []keyAction{ctrl(fyne.KeyS, func(w *Window) { w.save() })}},
		{"Ctrl+O", "open a folder", []keyAction{ctrl(fyne.KeyO, func(w *Window) { w.pickFolder() })}},
		{"F1 or ?", "this sheet (Esc closes it)", []keyAction{plain(fyne.KeyF1, func(w *Window) { w.help.show() })}},
	}
	for _, b := range bindings {
		for _, k := range b.bind {
			if k.mod == 0 {
				plainKeys[k.key] = k.do
			}
		}
	}
}

// standard are the chords Fyne's window turns into its standard shortcuts
// before custom ones are looked up (Ctrl+Z arrives as Undo): they are
// bound by those names.
var standard = map[chord]fyne.Shortcut{
	{ctrlKey, fyne.KeyZ}: &fyne.ShortcutUndo{},
	{ctrlKey, fyne.KeyY}: &fyne.ShortcutRedo{},
	{ctrlKey, fyne.KeyV}: &fyne.ShortcutPaste{},
	{ctrlKey, fyne.KeyA}: &fyne.ShortcutSelectAll{},
}

// plainKeys are the actions of unmodified keys, for typedKey.
var plainKeys = map[fyne.KeyName]func(w *Window){}

func (w *Window) bindKeys() {
	c := w.Canvas()
	for _, b := range bindings {
		for _, k := range b.bind {
			if k.mod == 0 {
				continue
			}
			var sc fyne.Shortcut = &desktop.CustomShortcut{KeyName: k.key, Modifier: k.mod}
			if std, ok := standard[k.chord]; ok {
				sc = std
			}
			do := k.do
			c.AddShortcut(sc, func(fyne.Shortcut) { do(w) })
		}
	}
	c.SetOnTypedKey(w.typedKey)
	c.SetOnTypedRune(w.typedRune)
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(w.keyDown)
		dc.SetOnKeyUp(w.keyUp)
	}
}

// withDoc runs an edit on the open image and shows its result.
func (w *Window) withDoc(f func()) {
	if w.doc != nil {
		f()
		w.editor.Refresh()
		w.docChanged()
	}
}

// onSelected runs an edit of the selected box.
func (w *Window) onSelected(f func(i int)) {
	if w.doc != nil && w.doc.Selected() >= 0 {
		w.withDoc(func() { f(w.doc.Selected()) })
	}
}

// nudge moves the selected box by a pixel (ten with Shift).
func (w *Window) nudge(dx, dy float64) {
	step := 1.0
	if shiftDown {
		step = 10
	}
	w.onSelected(func(i int) { w.doc.Nudge(i, dx*step, dy*step) })
}

var shiftDown bool

func (w *Window) typedRune(r rune) {
	if r == '?' {
		w.help.show()
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

// typedKey runs the table's unmodified keys; Esc closes the sheet, or
// leaves draw mode and the selection.
func (w *Window) typedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if w.help.close() {
			return
		}
		w.setDrawing(false)
		if w.doc != nil {
			w.doc.Select(-1)
			w.editor.Refresh()
		}
		return
	}
	if f := plainKeys[k.Name]; f != nil {
		f(w)
	}
}
