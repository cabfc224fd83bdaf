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
