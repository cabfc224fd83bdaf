package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/usecase"
)

// export --int8 --calib writes a model that says it is int8 and how it was
// calibrated, twice byte for byte the same from the same pictures; predict,
// eval (beside the float one) and autolabel take it as they take the float
// one. Without pictures to calibrate on, nothing is written and the folder
// is named.
func TestExportInt8(t *testing.T) {
	fp32, dir := fixtureModel(t)
	weights := filepath.Join(dir, "best.safetensors")
	data := filepath.Join(dir, "data")
	o := synth.Default(10)
	o.Unlabelled = 2
	synth.Generate(data, o)
	os.MkdirAll(filepath.Join(data, "ImageSets", "Main"), 0o755)
	os.WriteFile(filepath.Join(data, "ImageSets", "Main", "train.txt"), []byte("shapes-00000\nshapes-00001\nshapes-00002\nshapes-00003\n"), 0o644)

	var outs [2][]byte
	for i := range outs {
		out := filepath.Join(dir, "int8-"+strconv.Itoa(i)+".onnx")
		code, stdout, stderr := run("export", "--weights", weights, "--out", out, "--int8", "--calib", data, "--calib-images", "3")
		if code != 0 || !strings.Contains(stdout, "int8 calibrated on "+data) || !strings.Contains(stdout, "verified") {
			t.Fatalf("export --int8: %d\n%s%s", code, stdout, stderr)
		}
		outs[i], _ = os.ReadFile(out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("the same calibration pictures gave two different int8 models")
	}
	int8Path := filepath.Join(dir, "int8-0.onnx")
	info, err := inference.ReadModelInfo(int8Path, outs[0], inference.LoadOptions{})
	if err != nil || info.Quantization != "int8" || !strings.Contains(info.Calibration, `"images":3`) ||
		!strings.Contains(info.Calibration, `"split":"train"`) || !strings.Contains(info.Calibration, `"method":"`+inference.DefaultCalibMethod+`"`) {
		t.Fatalf("metadata: %v %q %q", err, info.Quantization, info.Calibration)
	}

	if code, stdout, stderr := run("predict", "--model", int8Path, "--project", filepath.Join(dir, "runs"), "--no-save", filepath.Join(data, "JPEGImages")); code != 0 || !strings.Contains(stdout, "12 images") {
		t.Fatalf("predict: %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := run("eval", "--model", int8Path, "--beside", fp32, data)
	if code != 0 || !strings.Contains(stdout, "int8-0.onnx (int8)") || !strings.Contains(stdout, "best.onnx (float)") || !strings.Contains(stdout, "mAP@0.5:0.95") ||
		!strings.Contains(stdout, "int8 runs the network") || !strings.Contains(stdout, "as fast as float; mAP@0.5") {
		t.Fatalf("eval --beside: %d\n%s%s", code, stdout, stderr)
	}
	// the Export tab's comparison: the same table
	if cmp, err := usecase.CompareModels(context.Background(), data, []string{int8Path, fp32}, nil); err != nil || !strings.Contains(cmp.Table(), "int8-0.onnx (int8)") || !strings.Contains(cmp.Table(), "all labelled") {
		t.Fatalf("CompareModels: %v\n%s", err, cmp.Table())
	}
	if code, stdout, stderr := run("autolabel", "--model", int8Path, "--conf", "0.05", data); code != 0 || !strings.Contains(stdout, "labelled 2 images") {
		t.Fatalf("autolabel: %d\n%s%s", code, stdout, stderr)
	}

	empty := filepath.Join(dir, "no pictures")
	os.MkdirAll(empty, 0o755)
	out := filepath.Join(dir, "empty.onnx")
	code, stdout, stderr = run("export", "--weights", weights, "--out", out, "--int8", "--calib", empty)
	if code == 0 || !strings.Contains(stderr, empty) || !strings.Contains(stderr, "no pictures to calibrate on") {
		t.Fatalf("empty calibration folder: %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a model was written without calibration: %v", err)
	}
	if code, _, stderr := run("export", "--weights", weights, "--int8"); code != ExitUsage || !strings.Contains(stderr, "--calib") {
		t.Fatalf("--int8 without --calib: %d %s", code, stderr)
	}
}
