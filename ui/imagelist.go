package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// imageList is the list of the dataset's images. A click on a row gives
// it the keyboard focus (Fyne's List is focusable), and a focused widget
// gets every key; LabelImg users click a row and go on with W, D, A, F1 or
// Space, so the keys keep doing what they do everywhere in the window.
// Up and Down step through the list, as D and A do (and, with no box
// selected, from anywhere in the tab: LabelScreen.nudge).
type imageList struct {
	widget.List
	screen *LabelScreen
}

func newImageList(s *LabelScreen) *imageList {
	l := &imageList{screen: s}
	l.Length = func() int { return len(s.shown) }
	l.CreateItem = func() fyne.CanvasObject { return widget.NewLabel("image-00000.jpg   unlabelled") }
	l.UpdateItem = s.updateRow
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey handles a key while the list has the focus.
func (l *imageList) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyUp:
		l.screen.step(-1)
	case fyne.KeyDown:
		l.screen.step(1)
	default:
		l.screen.typedKey(k)
	}
}

// TypedRune handles a character while the list has the focus ('?').
func (l *imageList) TypedRune(r rune) { l.screen.typedRune(r) }

// KeyDown and KeyUp see Space and Shift, as the canvas does.
func (l *imageList) KeyDown(k *fyne.KeyEvent) { l.screen.keyDown(k) }
func (l *imageList) KeyUp(k *fyne.KeyEvent)   { l.screen.keyUp(k) }

// refilter recomputes the rows the list shows and keeps the selection.
func (l *LabelScreen) refilter() {
	l.shown = l.visible(l.shown)
	l.list.Refresh()
	l.selectRow()
}

func (l *LabelScreen) selectRow() {
	for row, i := range l.shown {
		if i == l.cur {
			l.list.Select(row)
			return
		}
	}
	l.list.UnselectAll()
}

func (l *LabelScreen) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(l.shown) {
		return
	}
	i := l.shown[id]
	it := l.ds.Items[i]
	name := it.ID
	if it.Image != "" {
		name = filepath.Base(it.Image)
	}
	o.(*widget.Label).SetText(fmt.Sprintf("%s   %s", name, l.items[i].label(it)))
}

func (l *LabelScreen) rowOf(i int) int {
	for row, k := range l.shown {
		if k == i {
			return row
		}
	}
	return -1
}
