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
	do func(l *LabelScreen)
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
	plain := func(k fyne.KeyName, do func(l *LabelScreen)) keyAction { return keyAction{chord{0, k}, do} }
	ctrl := func(k fyne.KeyName, do func(l *LabelScreen)) keyAction { return keyAction{chord{ctrlKey, k}, do} }
	edit := func(f func(l *LabelScreen)) func(l *LabelScreen) {
		return func(l *LabelScreen) { l.withDoc(func() { f(l) }) }
	}
	selected := func(f func(l *LabelScreen, i int)) func(l *LabelScreen) {
		return func(l *LabelScreen) { l.onSelected(func(i int) { f(l, i) }) }
	}
	bindings = []binding{
		{"W", "draw a box (drag); Esc leaves draw mode", []keyAction{plain(fyne.KeyW, func(l *LabelScreen) { l.setDrawing(!l.editor.Drawing) })}},
		{"D / A", "next / previous image (saves edits first)", []keyAction{
			plain(fyne.KeyD, func(l *LabelScreen) { l.step(1) }), plain(fyne.KeyA, func(l *LabelScreen) { l.step(-1) })}},
		{"Space", "mark the image verified (or unverified)", nil},
		{"Space + drag, middle drag", "pan", nil},
		{"Wheel", "zoom around the pointer", nil},
		{"Ctrl+= / Ctrl+F", "zoom 1:1 / fit the window", []keyAction{
			ctrl(fyne.KeyEqual, func(l *LabelScreen) { l.editor.ZoomActual() }), ctrl(fyne.KeyF, func(l *LabelScreen) { l.editor.ZoomFit() })}},
		{"Click, drag", "select, move; drag a handle to resize", nil},
		{"Arrows (Shift: 10 px)", "nudge the selected box; Up / Down with none: previous / next image", []keyAction{
			plain(fyne.KeyLeft, func(l *LabelScreen) { l.nudge(-1, 0) }), plain(fyne.KeyRight, func(l *LabelScreen) { l.nudge(1, 0) }),
			plain(fyne.KeyUp, func(l *LabelScreen) { l.nudge(0, -1) }), plain(fyne.KeyDown, func(l *LabelScreen) { l.nudge(0, 1) })}},
		{"Del", "delete the selected box", []keyAction{
			plain(fyne.KeyDelete, selected(func(l *LabelScreen, i int) { l.doc.Delete(i) })),
			plain(fyne.KeyBackspace, selected(func(l *LabelScreen, i int) { l.doc.Delete(i) }))}},
		{"Ctrl+D", "duplicate the selected box", []keyAction{ctrl(fyne.KeyD, selected(func(l *LabelScreen, i int) { l.doc.Duplicate(i) }))}},
		{"Ctrl+E, double-click", "change the selected box's class", []keyAction{ctrl(fyne.KeyE, func(l *LabelScreen) {
			if l.doc != nil && l.doc.Selected() >= 0 {
				l.pickClass(l.doc.Selected(), l.editor.cursor, false)
			}
		})}},
		{"X / T", "toggle difficult / truncated", []keyAction{
			plain(fyne.KeyX, selected(func(l *LabelScreen, i int) { l.doc.ToggleDifficult(i) })),
			plain(fyne.KeyT, selected(func(l *LabelScreen, i int) { l.doc.ToggleTruncated(i) }))}},
		{"Ctrl+V", "copy all boxes from the previous image", []keyAction{ctrl(fyne.KeyV, edit(func(l *LabelScreen) { l.doc.Paste(l.prevObjs) }))}},
		{"Ctrl+P", "pre-label the image with the Predict tab's model (unverified, one undo step)", []keyAction{ctrl(fyne.KeyP, func(l *LabelScreen) { l.prelabel() })}},
		{"Ctrl+H / Ctrl+A", "hide or show boxes / show boxes", []keyAction{
			ctrl(fyne.KeyH, func(l *LabelScreen) { l.showBoxes(l.editor.HideBoxes) }), ctrl(fyne.KeyA, func(l *LabelScreen) { l.showBoxes(true) })}},
		{"Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "undo / redo", []keyAction{
			ctrl(fyne.KeyZ, edit(func(l *LabelScreen) { l.doc.Undo() })),
			{chord{ctrlShiftKey, fyne.KeyZ}, edit(func(l *LabelScreen) { l.doc.Redo() })},
			ctrl(fyne.KeyY, edit(func(l *LabelScreen) { l.doc.Redo() }))}},
		{"Ctrl+S", "save", []keyAction{ctrl(fyne.KeyS, func(l *LabelScreen) { l.save() })}},
		{"Ctrl+O", "open a folder", []keyAction{ctrl(fyne.KeyO, func(l *LabelScreen) { l.pickFolder() })}},
		{"Ctrl+Q", "quit (asks first about unsaved changes)", nil},
		{"F1 or ?", "this sheet (Esc closes it)", []keyAction{plain(fyne.KeyF1, func(l *LabelScreen) { l.help.show() })}},
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
var plainKeys = map[fyne.KeyName]func(l *LabelScreen){}

// withDoc runs an edit on the open image and shows its result.
func (l *LabelScreen) withDoc(f func()) {
	if l.doc != nil {
		f()
		l.editor.Refresh()
		l.docChanged()
	}
}

// onSelected runs an edit of the selected box.
func (l *LabelScreen) onSelected(f func(i int)) {
	if l.doc != nil && l.doc.Selected() >= 0 {
		l.withDoc(func() { f(l.doc.Selected()) })
	}
}

// nudge moves the selected box by a pixel (ten with Shift); with no box
// selected, Up and Down step through the images, as in the list (a click
// on a row did not keep the keys there).
func (l *LabelScreen) nudge(dx, dy float64) {
	if dy != 0 && (l.doc == nil || l.doc.Selected() < 0) {
		l.step(int(dy))
		return
	}
	step := 1.0
	if shiftDown {
		step = 10
	}
	l.onSelected(func(i int) { l.doc.Nudge(i, dx*step, dy*step) })
}

var shiftDown bool

func (l *LabelScreen) typedRune(r rune) {
	if r == '?' {
		l.help.show()
	}
}

// showBoxes shows or hides the boxes (Ctrl+H toggles, Ctrl+A shows).
func (l *LabelScreen) showBoxes(on bool) {
	l.editor.HideBoxes = !on
	l.editor.Refresh()
	if !on {
		l.status.SetText("Boxes hidden: Ctrl+H or Ctrl+A shows them")
	}
}

func (l *LabelScreen) keyDown(k *fyne.KeyEvent) {
	switch k.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		shiftDown = true
	case fyne.KeySpace:
		if !l.editor.PanKey {
			l.editor.PanKey, l.spaceUse = true, false
		}
	}
}

// keyUp: Space released without panning toggles verified, as in LabelImg.
func (l *LabelScreen) keyUp(k *fyne.KeyEvent) {
	switch k.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		shiftDown = false
	case fyne.KeySpace:
		pressed := l.editor.PanKey // false when Space went down on another tab
		l.editor.PanKey = false
		if pressed && !l.spaceUse && l.editor.drag.kind == dragNone {
			l.toggleVerified()
		}
		l.spaceUse = false
	}
}

// typedKey runs the table's unmodified keys; Esc closes the sheet, or
// leaves draw mode and the selection.
func (l *LabelScreen) typedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if l.help.close() {
			return
		}
		l.setDrawing(false)
		if l.doc != nil {
			l.doc.Select(-1)
			l.editor.Refresh()
		}
		return
	}
	if f := plainKeys[k.Name]; f != nil {
		f(l)
	}
}
