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

// binding is one row of the shortcut sheet and what its keys do. Rows
// without chords are the mouse's and Space's (handled by the editor and
// by keyDown/keyUp); the sheet lists them all the same.
type binding struct {
	keys   string
	what   string
	chords []chord
	do     func(w *Window)
}

// bindings follow LabelImg's where it has one. This one table binds the
// keys (bindKeys) and writes the sheet (showHelp), so the two cannot
// disagree. (Set in init: its actions open the sheet, which reads it.)
var bindings []binding

func init() {
	bindings = []binding{
		{"W", "draw a box (drag); Esc leaves draw mode", []chord{{0, fyne.KeyW}}, func(w *Window) { w.setDrawing(!w.editor.Drawing) }},
		{"D / A", "next / previous image (saves edits first)", []chord{{0, fyne.KeyD}, {0, fyne.KeyA}}, nil},
		{"Space", "mark the image verified (or unverified)", nil, nil},
		{"Space + drag, middle drag", "pan", nil, nil},
		{"Wheel", "zoom around the pointer", nil, nil},
		{"Ctrl+= / Ctrl+F", "zoom 1:1 / fit the window", []chord{{ctrlKey, fyne.KeyEqual}, {ctrlKey, fyne.KeyF}}, nil},
		{"Click, drag", "select, move; drag a handle to resize", nil, nil},
		{"Arrows (Shift: 10 px)", "nudge the selected box", []chord{{0, fyne.KeyLeft}, {0, fyne.KeyRight}, {0, fyne.KeyUp}, {0, fyne.KeyDown}}, nil},
		{"Del", "delete the selected box", []chord{{0, fyne.KeyDelete}, {0, fyne.KeyBackspace}}, func(w *Window) {
			w.onSelected(func(i int) { w.doc.Delete(i) })
		}},
		{"Ctrl+D", "duplicate the selected box", []chord{{ctrlKey, fyne.KeyD}}, func(w *Window) {
			w.onSelected(func(i int) { w.doc.Duplicate(i) })
		}},
		{"Ctrl+E, double-click", "change the selected box's class", []chord{{ctrlKey, fyne.KeyE}}, func(w *Window) {
			if w.doc != nil && w.doc.Selected() >= 0 {
				w.pickClass(w.doc.Selected(), w.editor.cursor, false)
			}
		}},
		{"X / T", "toggle difficult / truncated", []chord{{0, fyne.KeyX}, {0, fyne.KeyT}}, nil},
		{"Ctrl+V", "copy all boxes from the previous image", []chord{{ctrlKey, fyne.KeyV}}, func(w *Window) {
			w.withDoc(func() { w.doc.Paste(w.prevObjs) })
		}},
		{"Ctrl+P", "pre-label the image with the Predict tab's model (unverified, one undo step)", []chord{{ctrlKey, fyne.KeyP}}, func(w *Window) { w.prelabel() }},
		{"Ctrl+H / Ctrl+A", "hide or show boxes / show boxes", []chord{{ctrlKey, fyne.KeyH}, {ctrlKey, fyne.KeyA}}, nil},
		{"Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "undo / redo", []chord{{ctrlKey, fyne.KeyZ}, {ctrlShiftKey, fyne.KeyZ}, {ctrlKey, fyne.KeyY}}, nil},
		{"Ctrl+S", "save", []chord{{ctrlKey, fyne.KeyS}}, func(w *Window) { w.save() }},
		{"Ctrl+O", "open a folder", []chord{{ctrlKey, fyne.KeyO}}, func(w *Window) { w.pickFolder() }},
		{"F1 or ?", "this sheet (Esc closes it)", []chord{{0, fyne.KeyF1}}, func(w *Window) { w.showHelp() }},
	}
	for _, b := range bindings {
		for _, c := range b.chords {
			if c.mod == 0 {
				plainKeys[c.key] = action(b, c)
			}
		}
	}
}

// chordActions are the actions of rows whose keys do different things
// (D next, A previous): by chord.
var chordActions = map[chord]func(w *Window){
	{0, fyne.KeyD}:            func(w *Window) { w.step(1) },
	{0, fyne.KeyA}:            func(w *Window) { w.step(-1) },
	{ctrlKey, fyne.KeyEqual}:  func(w *Window) { w.editor.ZoomActual() },
	{ctrlKey, fyne.KeyF}:      func(w *Window) { w.editor.ZoomFit() },
	{0, fyne.KeyLeft}:         func(w *Window) { w.nudge(-1, 0) },
	{0, fyne.KeyRight}:        func(w *Window) { w.nudge(1, 0) },
	{0, fyne.KeyUp}:           func(w *Window) { w.nudge(0, -1) },
	{0, fyne.KeyDown}:         func(w *Window) { w.nudge(0, 1) },
	{0, fyne.KeyX}:            func(w *Window) { w.onSelected(func(i int) { w.doc.ToggleDifficult(i) }) },
	{0, fyne.KeyT}:            func(w *Window) { w.onSelected(func(i int) { w.doc.ToggleTruncated(i) }) },
	{ctrlKey, fyne.KeyH}:      func(w *Window) { w.showBoxes(w.editor.HideBoxes) },
	{ctrlKey, fyne.KeyA}:      func(w *Window) { w.showBoxes(true) },
	{ctrlKey, fyne.KeyZ}:      func(w *Window) { w.withDoc(func() { w.doc.Undo() }) },
	{ctrlShiftKey, fyne.KeyZ}: func(w *Window) { w.withDoc(func() { w.doc.Redo() }) },
	{ctrlKey, fyne.KeyY}:      func(w *Window) { w.withDoc(func() { w.doc.Redo() }) },
}

// action is what a chord does.
func action(b binding, c chord) func(w *Window) {
	if f := chordActions[c]; f != nil {
		return f
	}
	return b.do
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
		for _, ch := range b.chords {
			if ch.mod == 0 {
				continue
			}
			f := action(b, ch)
			var sc fyne.Shortcut = &desktop.CustomShortcut{KeyName: ch.key, Modifier: ch.mod}
			if std, ok := standard[ch]; ok {
				sc = std
			}
			c.AddShortcut(sc, func(fyne.Shortcut) { f(w) })
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

// typedKey runs the table's unmodified keys; Esc closes the sheet, or
// leaves draw mode and the selection.
func (w *Window) typedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if w.closeSheet() {
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
