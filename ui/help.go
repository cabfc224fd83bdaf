package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showHelp is the shortcut sheet (F1 or ?).
func (w *Window) showHelp() {
	form := widget.NewForm()
	for _, s := range shortcuts {
		form.Append(s.keys, widget.NewLabel(s.what))
	}
	d := dialog.NewCustom("Keyboard shortcuts", "Close", form, w.Window)
	d.Resize(fyne.NewSize(620, 640))
	d.Show()
}
