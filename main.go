// Command labelloop is the LabelLoop app: with no arguments (or a dataset
// folder) it opens the window; with a command it runs headless.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/labelloop/labelloop/app"
	"github.com/labelloop/labelloop/app/cli"
	_ "github.com/labelloop/labelloop/internal/quietlocale" // before Fyne initialises
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || !cli.IsCommand(args[0]) && len(args) == 1 && isDir(args[0]) {
		os.Exit(runGUI(args))
	}
	os.Exit(cli.Run(args, os.Stdout, os.Stderr))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func runGUI(args []string) int {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(os.Stderr, "labelloop: no display to open a window on (DISPLAY is not set).")
		fmt.Fprintln(os.Stderr, "Run it from a desktop session, or use a command such as 'labelloop check DIR' (see 'labelloop help').")
		return 1
	}
	return app.Run(args)
}
