//go:build !native_dialog

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// pickFolder asks for a dataset folder with Fyne's own dialog. Builds
// with -tags native_dialog use the system's picker instead (picker_native.go).
func pickFolder(parent fyne.Window, open func(string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			open(u.Path())
		}
	}, parent)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}
