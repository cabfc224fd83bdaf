package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// imageList is the list of the dataset's images. A click on a row gives
// it the keyboard focus (Fyne's List is focusable), and a focused widget
// gets every key; LabelImg users click a row and go on with W, D, A, F1 or
// Space, so the keys keep doing what they do everywhere in the window.
// Up and Down step through the list, as D and A do.
type imageList struct {
	widget.List
	w *Window
}

func newImageList(w *Window) *imageList {
	l := &imageList{w: w}
	l.Length = func() int { return len(w.shown) }
	l.CreateItem = func() fyne.CanvasObject { return widget.NewLabel("image-00000.jpg   unlabelled") }
	l.UpdateItem = w.updateRow
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey handles a key while the list has the focus.
func (l *imageList) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyUp:
		l.w.step(-1)
	case fyne.KeyDown:
		l.w.step(1)
	default:
		l.w.typedKey(k)
	}
}

// TypedRune handles a character while the list has the focus ('?').
func (l *imageList) TypedRune(r rune) { l.w.typedRune(r) }

// KeyDown and KeyUp see Space and Shift, as the canvas does.
func (l *imageList) KeyDown(k *fyne.KeyEvent) { l.w.keyDown(k) }
func (l *imageList) KeyUp(k *fyne.KeyEvent)   { l.w.keyUp(k) }
