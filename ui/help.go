package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// helpSheet is the shortcut sheet (F1, ?, or the toolbar's ? button),
// written from the table of key bindings. Its rows scroll above the Close
// button rather than under it, it fits a small window, and Esc closes it
// as it closes every sheet.
type helpSheet struct {
	win  fyne.Window
	open dialog.Dialog // while it shows
}

func (h *helpSheet) show() {
	if h.open != nil {
		return
	}
	form := widget.NewForm()
	for _, b := range bindings {
		form.Append(b.keys, widget.NewLabel(b.what))
	}
	scroll := container.NewVScroll(form)
	d := dialog.NewCustom("Keyboard shortcuts", "Close", scroll, h.win)
	d.SetOnClosed(func() { h.open = nil })
	size := h.win.Canvas().Size()
	d.Resize(fyne.NewSize(min(680, size.Width-40), min(form.MinSize().Height+140, size.Height-40)))
	h.open = d
	d.Show()
}

// close closes the sheet (Esc); it reports whether it was open.
func (h *helpSheet) close() bool {
	if h.open == nil {
		return false
	}
	h.open.Hide()
	return true
}
