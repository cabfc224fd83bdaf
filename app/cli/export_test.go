package cli

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// Weights that diverged are refused before anything is written, with the
// checkpoint and the tensor named (before: "verification failed", no file
// named, and the bad .onnx left on disk).
func TestExportRefusesNonFiniteWeights(t *testing.T) {
	dir := t.TempDir()
	ck := &model.Checkpoint{Backbone: model.MobileNetV3, Classes: []string{"a", "b"}, Anchors: model.DefaultAnchors, InputSize: 64, Resize: "letterbox"}
	g, _ := model.Build(ck.Config())
	w := model.FixtureWeights(g)
	w["yolo_head3.1.weight"][7] = float32(math.NaN())
	weights := filepath.Join(dir, "nan.safetensors")
	if err := model.SaveCheckpoint(weights, ck, w); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "nan.onnx")
	code, stdout, stderr := run("export", "--weights", weights, "--out", out)
	if code != ExitFindings || !strings.Contains(stderr, weights) || !strings.Contains(stderr, "yolo_head3.1.weight") || strings.Contains(stdout, "wrote") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.onnx*"))
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// --out naming the checkpoint or its sidecar (a slip when exporting from
// the run folder) is refused before anything is read or written: before,
// the 48 MB checkpoint became the ONNX file. Flags of --int8 given
// without it, and impossible values, are usage errors before any work.
func TestExportGuardsTheCheckpointAndItsFlags(t *testing.T) {
	dir := t.TempDir()
	ck := &model.Checkpoint{Backbone: model.MobileNetV1, Classes: []string{"a"}, Anchors: model.DefaultAnchors, InputSize: 64, Resize: "letterbox"}
	g, _ := model.Build(ck.Config())
	weights := filepath.Join(dir, "best.safetensors")
	if err := model.SaveCheckpoint(weights, ck, model.FixtureWeights(g)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(weights)
	sidecar, _ := os.ReadFile(model.SidecarPath(weights))
	t.Chdir(dir)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--weights", weights, "--out", weights}, ExitFindings, "checkpoint's own file"},
		{[]string{"--weights", "best.safetensors", "--out", "./best.json"}, ExitFindings, "checkpoint's own file"},
		{[]string{"--weights", weights, "--activations", "int8"}, ExitUsage, "are for --int8"},
		{[]string{"--weights", weights, "--int8", "--calib", dir, "--calib-images", "0"}, ExitUsage, "at least one picture"},
		{[]string{"--weights", weights, "--int8", "--calib", dir, "--activations", "fp16"}, ExitUsage, `"fp16"`},
		{[]string{"--weights", weights, "--int8", "--calib", dir, "--calib-method", "kl"}, ExitUsage, `"kl"`},
	} {
		code, stdout, stderr := run(append([]string{"export"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Contains(stdout, "wrote") {
			t.Errorf("export %v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, stdout, stderr)
		}
	}
	if after, _ := os.ReadFile(weights); string(after) != string(before) {
		t.Fatal("the checkpoint changed")
	}
	if after, _ := os.ReadFile(model.SidecarPath(weights)); string(after) != string(sidecar) {
		t.Fatal("the sidecar changed")
	}
}
