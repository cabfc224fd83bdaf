package cli

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop export --weights W.safetensors [--out model.onnx]")
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
	r, err := ExportCheckpoint(*weights, *out, *resize)
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
	var r ExportResult
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
	data, err := onnx.Marshal(g, w, onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors, ResizeMode: mode})
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	if out == "" {
		out = strings.TrimSuffix(weights, ".safetensors") + ".onnx"
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
	r.Summary = fmt.Sprintf("%s (%s, %s, input %d, %.1f MB)", out, ck.Backbone, wording.Count(len(ck.Classes), "class", "classes"), ck.InputSize, float64(len(data))/1e6)
	return r, nil
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
