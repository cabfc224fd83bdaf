package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/usecase"
)

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	weights := fs.String("weights", "", "checkpoint (.safetensors with its .json sidecar)")
	out := fs.String("out", "", "the ONNX file to write (default: beside the weights, .onnx)")
	resize := fs.String("resize", "", "letterbox or plain (default: as trained)")
	int8 := fs.Bool("int8", false, "write an int8 model (QDQ form) calibrated on --calib's pictures: faster on CPUs, slightly less accurate (compare with eval --beside)")
	calib := fs.String("calib", "", "with --int8: the dataset folder whose pictures calibrate (its train split when it has one)")
	calibN := fs.Int("calib-images", inference.DefaultCalibImages, "with --int8: at most this many calibration pictures")
	method := fs.String("calib-method", inference.DefaultCalibMethod, "with --int8: "+strings.Join(inference.CalibMethods, ", "))
	acts := fs.String("activations", onnx.ActUint8, "with --int8: activation type, uint8 or int8 (uint8 runs faster on x86)")
	maxPixelsFlag(fs) // calibration reads pictures
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop export --weights W.safetensors [--out model.onnx] [--int8 --calib DIR [--calib-images N]]")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if *weights == "" && len(pos) == 1 {
		*weights = pos[0]
	}
	if *weights == "" {
		return usageError(stderr, fs, "--weights is required")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var q *inference.Int8Options
	switch {
	case !*int8 && (set["calib-images"] || set["calib-method"] || set["activations"]):
		return usageError(stderr, fs, "--calib-images, --calib-method and --activations are for --int8")
	case *int8 && *calibN < 1:
		return usageError(stderr, fs, "--calib-images %d: at least one picture must calibrate", *calibN)
	case *int8 && *acts != onnx.ActUint8 && *acts != onnx.ActInt8:
		return usageError(stderr, fs, "--activations %q: uint8 or int8", *acts)
	case *int8 && !slices.Contains(inference.CalibMethods, *method):
		return usageError(stderr, fs, "--calib-method %q: one of %s", *method, strings.Join(inference.CalibMethods, ", "))
	case *int8 && *calib == "":
		return usageError(stderr, fs, "--int8 needs --calib DIR: the pictures that set the int8 scales")
	case !*int8 && *calib != "":
		return usageError(stderr, fs, "--calib is for --int8")
	case *int8:
		q = &inference.Int8Options{CalibDir: *calib, Images: *calibN, Method: *method, Activations: *acts,
			Progress: progressLine(stderr, "calibrating")}
	}
	r, err := usecase.Export(context.Background(), *weights, usecase.ExportOptions{Out: *out, Resize: *resize, Int8: q}, nil)
	if r.Path != "" {
		fmt.Fprintln(stdout, "wrote", r.Summary())
	}
	if err != nil {
		fmt.Fprintf(stderr, "labelloop export: %v\n", err)
		return ExitFindings
	}
	fmt.Fprintln(stdout, "verified: ONNX Runtime loads it and its three heads give finite values of the right shapes")
	return ExitOK
}

// progressLine reports progress on w about every 10 % and at the end.
func progressLine(w io.Writer, what string) func(done, total int) {
	t0 := time.Now()
	last := -1
	return func(done, total int) {
		if tenth := 10 * done / total; tenth != last || done == total {
			last = tenth
			fmt.Fprintf(w, "%s: %d/%d (%.0f s)\n", what, done, total, time.Since(t0).Seconds())
		}
	}
}
