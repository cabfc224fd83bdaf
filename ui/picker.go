//go:build !native_dialog

package ui

import "fyne.io/fyne/v2"

// pickFolder asks for a dataset folder with Fyne's own dialog. Builds
// with -tags native_dialog use the system's picker instead (picker_native.go).
func pickFolder(parent fyne.Window, start string, open func(string)) {
	fyneFolderDialog(parent, start, open)
}
