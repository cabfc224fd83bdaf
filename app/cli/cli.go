// Package cli is labelloop's command line: every GUI action has a command
// here, usable on servers and in scripts. It never imports Fyne.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/voc"
)

// Exit codes, as documented in the README.
const (
	ExitOK       = 0
	ExitFindings = 1 // the command ran and found errors (check), or failed
	ExitUsage    = 2
	// ExitInterrupted: stopped by Ctrl+C (128 + SIGINT, as shells report it)
	ExitInterrupted = 130
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "report a dataset's health: broken files, bad boxes, class counts", runCheck},
		{"split", "write train/val/test lists (ImageSets/Main and the reference's 2007_*.txt)", runSplit},
		{"export", "turn a checkpoint (.safetensors + .json) into an ONNX detector", runExport},
		{"predict", "detect objects in images, folders, videos or a webcam; results in runs/predict-N", runPredict},
		{"eval", "mAP@0.5 (VOC), mAP@0.5:0.95, precision, recall and F1 on a dataset split", runEval},
		{"autolabel", "pre-label images that have no annotation, for review in the editor", runAutolabel},
	}
}

// Run executes a subcommand and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "labelloop: unknown command %q\n\n", args[0])
	usage(stderr)
	return ExitUsage
}

// IsCommand reports whether name is a subcommand (rather than, say, a
// folder to open in the GUI).
func IsCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return name == "help" || name == "-h" || name == "--help"
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: labelloop                open the app")
	fmt.Fprintln(w, "       labelloop DIR            open the app on a dataset folder")
	fmt.Fprintln(w, "       labelloop COMMAND [options] ARGS")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'labelloop COMMAND -h' for a command's options.")
}

// parse parses flags that may come before or after the positional
// arguments (labelloop check DIR --json), as users type them.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, int, bool) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK, false
			}
			return nil, ExitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func usageError(stderr io.Writer, fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(stderr, "labelloop %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return ExitUsage
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(word, "s"))
}

// oneDataset opens the single dataset folder a command was given. On
// failure it has reported the problem and returns the exit code.
func oneDataset(fs *flag.FlagSet, pos []string, stderr io.Writer) (*voc.Dataset, int) {
	if len(pos) != 1 {
		return nil, usageError(stderr, fs, "want one dataset folder, got %d arguments", len(pos))
	}
	ds, err := voc.Open(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "labelloop %s: %v\n", fs.Name(), err)
		return nil, ExitUsage
	}
	return ds, ExitOK
}

// maxPixelsFlag adds --max-pixels, which sets internal/pix's limit (the
// default, or $LABELLOOP_MAX_PIXELS) as the flags are parsed.
func maxPixelsFlag(fs *flag.FlagSet) {
	fs.Func("max-pixels", fmt.Sprintf("refuse pictures larger than this many pixels, as decompression bombs (default %d, or $%s)", pix.MaxPixels(), pix.MaxPixelsEnv),
		func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("want a positive number of pixels, got %q", v)
			}
			pix.SetMaxPixels(n)
			return nil
		})
}
