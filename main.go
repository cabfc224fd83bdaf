// Command labelloop is the LabelLoop app: with no arguments (or a dataset
// folder) it opens the window; with a command it runs headless.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

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

func runGUI(args []string) (code int) {
	// GLFW panics when the display goes away between the checks below and
	// the first window: say so instead of a stack trace.
	defer func() {
		if r := recover(); r != nil {
			if msg := fmt.Sprint(r); strings.Contains(msg, "GLFW") || strings.Contains(msg, "display") {
				fmt.Fprintf(os.Stderr, "labelloop: cannot open a window (%s); is the display %q up?\n", msg, os.Getenv("DISPLAY"))
				code = 1
				return
			}
			panic(r)
		}
	}()
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(os.Stderr, "labelloop: no display to open a window on (DISPLAY is not set).")
		fmt.Fprintln(os.Stderr, "Run it from a desktop session, or use a command such as 'labelloop check DIR' (see 'labelloop help').")
		return 1
	}
	if d := os.Getenv("DISPLAY"); runtime.GOOS == "linux" && os.Getenv("WAYLAND_DISPLAY") == "" && !xReachable(d) {
		fmt.Fprintf(os.Stderr, "labelloop: cannot reach the X display %q (is the X server running?).\n", d)
		return 1
	}
	return app.Run(args)
}

// xReachable checks a local display's socket, so that a dead X server gets
// a message instead of a panic inside GLFW. Remote displays are assumed up.
func xReachable(display string) bool {
	if !strings.HasPrefix(display, ":") {
		return true
	}
	n := strings.SplitN(display[1:], ".", 2)[0]
	c, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+n, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
