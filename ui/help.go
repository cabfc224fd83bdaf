package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showHelp is the shortcut sheet (F1, ?, or the toolbar's ? button). Its
// rows scroll above the Close button rather than under it, it fits a small
// window, and Esc closes it as it closes every sheet.
func (w *Window) showHelp() {
	if w.help != nil {
		return
	}
	form := widget.NewForm()
	for _, b := range bindings {
		form.Append(b.keys, widget.NewLabel(b.what))
	}
	scroll := container.NewVScroll(form)
	d := dialog.NewCustom("Keyboard shortcuts", "Close", scroll, w.Window)
	d.SetOnClosed(func() { w.help = nil })
	size := w.Canvas().Size()
	d.Resize(fyne.NewSize(min(680, size.Width-40), min(form.MinSize().Height+140, size.Height-40)))
	w.help = d
	d.Show()
}

// closeSheet closes the shortcut sheet (Esc); it reports whether one was open.
func (w *Window) closeSheet() bool {
	if w.help == nil {
		return false
	}
	w.help.Hide()
	return true
}
