package ui

import (
	"os"

	"fyne.io/fyne/v2"
)

// fyneFolderDialog picks a dataset folder with the app's own picker: it
// opens at start (the open dataset's parent) or the working folder, and
// lists folders only. (Fyne's folder
// dialog opened in $HOME and wrote "this computer does not define a
// VIDEOS folder" to stderr each time.)
func fyneFolderDialog(parent fyne.Window, start string, open func(string)) {
	dir := start
	if dir == "" {
		dir, _ = os.Getwd()
	}
	showFilePicker(parent, pickOptions{title: "Open a dataset folder", dir: dir, folder: true,
		onPick: func(p []string) { open(p[0]) }})
}
