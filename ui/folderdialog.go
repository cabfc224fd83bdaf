package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// fyneFolderDialog is Fyne's folder picker, sized for browsing datasets.
func fyneFolderDialog(parent fyne.Window, open func(string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			open(u.Path())
		}
	}, parent)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}
