//go:build native_dialog

package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	sqdialog "github.com/sqweek/dialog"
)

// pickFolder asks for a dataset folder with the system's own picker (GTK
// on Linux, the native ones on Windows and macOS); if that cannot be
// shown, Fyne's dialog takes over.
func pickFolder(parent fyne.Window, start string, open func(string)) {
	go func() {
		dir, err := sqdialog.Directory().Title("Open a dataset folder").Browse()
		fyne.Do(func() {
			switch {
			case err == nil:
				open(dir)
			case !errors.Is(err, sqdialog.ErrCancelled):
				fyneFolderDialog(parent, start, open)
			}
		})
	}()
}
