package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
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
	r, err := ExportModel(context.Background(), *weights, *out, *resize, q)
	if r.Path != "" {
		fmt.Fprintln(stdout, "wrote", r.Summary)
	}
	if err != nil {
		fmt.Fprintf(stderr, "labelloop export: %v\n", err)
		return ExitFindings
	}
	fmt.Fprintln(stdout, "verified: ONNX Runtime loads it and its three heads give finite values of the right shapes")
	return ExitOK
}

// ExportResult is a written ONNX file.
type ExportResult struct {
	Path    string
	Summary string // path, backbone, classes, input size, MB
}

// ExportCheckpoint writes the checkpoint's network as ONNX (out defaults to
// the weights' name with .onnx; resize to the checkpoint's mode) and
// verifies the file with ONNX Runtime.
func ExportCheckpoint(weights, out, resize string) (ExportResult, error) {
	return ExportModel(context.Background(), weights, out, resize, nil)
}

// ExportModel is ExportCheckpoint, int8 when q is set (out then defaults
// to the weights' name with -int8.onnx).
func ExportModel(ctx context.Context, weights, out, resize string, q *inference.Int8Options) (ExportResult, error) {
	var r ExportResult
	if err := notTheCheckpoint(weights, out); err != nil {
		return r, err
	}
	ck, w, err := model.LoadCheckpoint(weights)
	if err != nil {
		return r, err
	}
	g, err := model.Build(ck.Config())
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	mode := ck.Resize
	if resize != "" {
		mode = resize
	}
	m, err := onnx.Export(g, w, onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors, ResizeMode: mode})
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	kind := ""
	var data []byte
	if q != nil {
		data, err = inference.Int8(ctx, m, ck.InputSize, mode != "plain", *q)
		kind = fmt.Sprintf(", int8 calibrated on %s", q.CalibDir)
	} else {
		data, err = proto.Marshal(m)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	if out == "" {
		out = strings.TrimSuffix(weights, ".safetensors") + ".onnx"
		if q != nil {
			out = strings.TrimSuffix(weights, ".safetensors") + "-int8.onnx"
		}
	}
	// verified in memory before anything is written: a model that fails
	// never reaches the disk
	if err := verifyExport(out, data, ck.InputSize); err != nil {
		return r, fmt.Errorf("%s: verification failed, nothing written: %w", out, err)
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return r, err
	}
	r.Path = out
	r.Summary = fmt.Sprintf("%s (%s, %s, input %d%s, %.1f MB)", out, ck.Backbone, wording.Count(len(ck.Classes), "class", "classes"), ck.InputSize, kind, float64(len(data))/1e6)
	return r, nil
}

// notTheCheckpoint refuses an --out that would replace the trained
// weights or their sidecar with the ONNX file.
func notTheCheckpoint(weights, out string) error {
	if out == "" {
		return nil
	}
	for _, p := range []string{weights, model.SidecarPath(weights)} {
		if sameFile(p, out) {
			return fmt.Errorf("--out %s is the checkpoint's own file %s: choose another name (the default is %s)", out, p, strings.TrimSuffix(weights, ".safetensors")+".onnx")
		}
	}
	return nil
}

// sameFile says whether two paths name one file (also through links, or
// one not yet written, by its cleaned absolute path).
func sameFile(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// verifyExport reads the model's description back as a file's would be
// read, and runs the reference's test image through it.
func verifyExport(path string, data []byte, size int) error {
	info, err := inference.ReadModelInfo(path, data, inference.LoadOptions{})
	if err != nil {
		return err
	}
	sess, err := inference.NewSession(data, onnx.OutputNames[:], inference.Options{})
	if err != nil {
		return err
	}
	outs, err := sess.Run(model.FixtureInput(size), 1, size, size)
	if cerr := sess.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for k, o := range outs {
		want := []int64{1, int64(3 * (5 + info.NumClasses)), int64(size / model.Strides[k]), int64(size / model.Strides[k])}
		if fmt.Sprint(o.Shape) != fmt.Sprint(want) {
			return fmt.Errorf("output %s has shape %v, want %v", onnx.OutputNames[k], o.Shape, want)
		}
		for _, v := range o.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("output %s has non-finite values", onnx.OutputNames[k])
			}
		}
	}
	return nil
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
