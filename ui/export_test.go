package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

// With the int8 option ticked, Export writes the float model, then the
// int8 one calibrated on the open dataset, shows the two compared and
// hands the int8 one to Predict; a failed calibration is shown and
// hands nothing. Without an Int8 function there is no option.
func TestExportScreenInt8(t *testing.T) {
	test.NewTempApp(t)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "runs", "train-1", "weights"), 0o755)
	os.WriteFile(filepath.Join(root, "runs", "train-1", "weights", "best.safetensors"), nil, 0o644)
	s := NewExportScreen(func(w string) (string, string, error) { return "m.onnx", "m.onnx (mobilenetv2)", nil })
	if s.int8.Visible() {
		t.Fatal("int8 option shown without an int8 exporter")
	}
	var gotDataset, gotFloat string
	fail := error(nil)
	s.Int8 = func(w, dataset, float string) (string, string, string, error) {
		gotDataset, gotFloat = dataset, float
		return "m-int8.onnx", "m-int8.onnx (int8)", "mAP@0.5   0.79   0.79", fail
	}
	s.background = func(f func()) { f() }
	handed := ""
	s.OnExported = func(p string) { handed = p }
	s.SetDataset(root)
	if !s.int8.Visible() {
		t.Fatal("int8 option hidden")
	}
	test.Tap(s.int8)
	test.Tap(s.btn)
	if gotDataset != root || gotFloat != "m.onnx" || handed != "m-int8.onnx" || !strings.Contains(s.result.Text, "mAP@0.5") || !strings.Contains(s.result.Text, "m-int8.onnx (int8)") {
		t.Fatalf("dataset %q float %q handed %q result %q", gotDataset, gotFloat, handed, s.result.Text)
	}
	handed = ""
	fail = errors.New("no pictures to calibrate on")
	test.Tap(s.btn)
	if handed != "" || !strings.Contains(s.result.Text, "The int8 model failed (the float one above is written and verified): no pictures to calibrate on") {
		t.Fatalf("failure: handed %q result %q", handed, s.result.Text)
	}
}

// The Predict tab takes an int8 model as it takes a float one.
func TestPredictTabTakesInt8(t *testing.T) {
	a := test.NewTempApp(t)
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(3))
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 160})
	m, err := onnx.Export(g, model.FixtureWeights(g), onnx.Meta{Classes: synth.Classes, Anchors: model.DefaultAnchors})
	if err != nil {
		t.Fatal(err)
	}
	data, err := inference.Int8(context.Background(), m, 160, true, inference.Int8Options{CalibDir: root})
	if err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(t.TempDir(), "m-int8.onnx")
	os.WriteFile(mp, data, 0o644)
	s := NewPredictScreen(a.NewWindow("t"))
	s.background = func(f func()) { f() }
	s.SetDataset(root)
	s.SetModel(mp)
	s.Show(filepath.Join(root, "JPEGImages", "shapes-00000.jpg"))
	if len(s.cands) == 0 || s.classes == nil {
		t.Fatalf("int8 model in Predict: %s", s.status.Text)
	}
	l, err := s.load(mp, s.threadCount())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if q := l.Value.Info.Quantization; q != "int8" {
		t.Fatalf("the Predict tab's model says quantization %q, want int8", q)
	}
}
