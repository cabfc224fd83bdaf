package usecase

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

// ExportOptions say how to write a checkpoint as ONNX.
type ExportOptions struct {
	// Out is the file to write; empty: the weights' name with .onnx
	// (-int8.onnx for an int8 model).
	Out string
	// Resize is letterbox or plain; empty: as the checkpoint was trained.
	Resize string
	// Int8, when set, writes an int8 model calibrated on its pictures.
	Int8 *inference.Int8Options
}

// ExportResult is a written ONNX file, verified with ONNX Runtime.
type ExportResult struct {
	Path      string
	Backbone  string
	Classes   int
	InputSize int
	Bytes     int
	CalibDir  string // for an int8 model: the pictures that calibrated it
}

// Summary is the result in one line: path, backbone, classes, input
// size, int8 calibration, MB.
func (r ExportResult) Summary() string {
	kind := ""
	if r.CalibDir != "" {
		kind = fmt.Sprintf(", int8 calibrated on %s", r.CalibDir)
	}
	return fmt.Sprintf("%s (%s, %s, input %d%s, %.1f MB)", r.Path, r.Backbone, wording.Count(r.Classes, "class", "classes"), r.InputSize, kind, float64(r.Bytes)/1e6)
}

// Export writes the checkpoint's network as ONNX and verifies it in
// memory first (ONNX Runtime loads it and the reference's test image gives
// finite heads of the right shapes): a model that fails never reaches the
// disk. progress hears the int8 calibration's pictures (nil Progress in
// opt.Int8 only); cancelling ctx stops the calibration.
func Export(ctx context.Context, weights string, opt ExportOptions, progress Progress) (ExportResult, error) {
	var r ExportResult
	if err := notTheCheckpoint(weights, opt.Out); err != nil {
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
	if opt.Resize != "" {
		mode = opt.Resize
	}
	m, err := onnx.Export(g, w, onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors, ResizeMode: mode})
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	var data []byte
	if q := opt.Int8; q != nil {
		qo := *q
		if progress != nil && qo.Progress == nil {
			qo.Progress = progress
		}
		data, err = inference.Int8(ctx, m, ck.InputSize, mode != "plain", qo)
		r.CalibDir = q.CalibDir
	} else {
		data, err = proto.Marshal(m)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", weights, err)
	}
	out := opt.Out
	if out == "" {
		out = strings.TrimSuffix(weights, ".safetensors") + ".onnx"
		if opt.Int8 != nil {
			out = strings.TrimSuffix(weights, ".safetensors") + "-int8.onnx"
		}
	}
	if err := verifyExport(out, data, ck.InputSize); err != nil {
		return r, fmt.Errorf("%s: verification failed, nothing written: %w", out, err)
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return r, err
	}
	r.Path, r.Backbone, r.Classes, r.InputSize, r.Bytes = out, ck.Backbone, len(ck.Classes), ck.InputSize, len(data)
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

// notTheCheckpoint refuses an output that would replace the trained
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
