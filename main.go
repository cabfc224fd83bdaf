// Command labelloop is the LabelLoop app: with no arguments (or a dataset
// folder) it opens the window; with a command it runs headless.
package main

import (
	"os"

	"github.com/labelloop/labelloop/app/cli"
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
