package usecase

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/model"
)

func checkpoint(t *testing.T, dir string, w func(map[string][]float32)) string {
	t.Helper()
	ck := &model.Checkpoint{Backbone: model.MobileNetV3, Classes: []string{"a", "b"}, Anchors: model.DefaultAnchors, InputSize: 64, Resize: "letterbox"}
	g, err := model.Build(ck.Config())
	if err != nil {
		t.Fatal(err)
	}
	weights := model.FixtureWeights(g)
	if w != nil {
		w(weights)
	}
	p := filepath.Join(dir, "best.safetensors")
	if err := model.SaveCheckpoint(p, ck, weights); err != nil {
		t.Fatal(err)
	}
	return p
}

// Export writes beside the weights by default, in the resize mode asked
// for, and says what it wrote; weights that diverged are refused with the
// tensor named and nothing left on disk.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	weights := checkpoint(t, dir, nil)
	r, err := Export(context.Background(), weights, ExportOptions{Resize: "plain"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "best.onnx")
	if r.Path != want || r.Classes != 2 || r.InputSize != 64 || r.Backbone != model.MobileNetV3 || r.CalibDir != "" {
		t.Fatalf("%+v", r)
	}
	if s := r.Summary(); !strings.HasPrefix(s, want+" (mobilenetv3, 2 classes, input 64, ") || !strings.HasSuffix(s, " MB)") {
		t.Fatalf("summary %q", s)
	}
	data, err := os.ReadFile(want)
	if err != nil || len(data) != r.Bytes {
		t.Fatalf("%v: %d bytes, said %d", err, len(data), r.Bytes)
	}
	if info, err := inference.ReadModelInfo(want, data, inference.LoadOptions{}); err != nil || info.Letterbox {
		t.Fatalf("read back: %v, letterbox %v", err, info.Letterbox)
	}

	bad := t.TempDir()
	weights = checkpoint(t, bad, func(w map[string][]float32) { w["yolo_head3.1.weight"][7] = float32(math.NaN()) })
	if _, err := Export(context.Background(), weights, ExportOptions{}, nil); err == nil || !strings.Contains(err.Error(), "yolo_head3.1.weight") {
		t.Fatalf("NaN weights: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(bad, "*.onnx*")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
