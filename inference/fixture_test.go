package inference

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

const fixtureDir = "../model/testdata/fixture"

func readF32(t *testing.T, path string) []float32 {
	v, err := model.ReadFloat32s(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The exported network, with the fixture's formula weights, reproduces the
// reference's outputs in ONNX Runtime: for all three backbones, max abs
// error below 1e-4. This pins model/ and the exporter to the reference.
func TestExportReproducesReferenceFixture(t *testing.T) {
	input := readF32(t, filepath.Join(fixtureDir, "input_1x3x416x416.f32"))
	if want := model.FixtureInput(416); maxDiff(input, want) > 1e-6 {
		t.Fatalf("FixtureInput differs from the reference input by %g", maxDiff(input, want))
	}
	for _, bb := range model.Backbones {
		t.Run(bb, func(t *testing.T) {
			g, err := model.Build(model.Config{Backbone: bb, NumClasses: 20, InputSize: 416})
			if err != nil {
				t.Fatal(err)
			}
			data, err := onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Anchors: model.DefaultAnchors})
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(data, onnx.OutputNames[:], Options{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			outs, err := s.Run(input, 1, 416, 416)
			if err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				want := readF32(t, model.FixtureOutputPath(fixtureDir, bb, k))
				if len(outs[k].Data) != len(want) {
					t.Fatalf("out%d: %d values (shape %v), want %d", k, len(outs[k].Data), outs[k].Shape, len(want))
				}
				d := maxDiff(outs[k].Data, want)
				t.Logf("out%d (stride %d): max abs error %.2g", k, model.Strides[k], d)
				if d > 1e-4 {
					t.Errorf("out%d: max abs error %g, bar is 1e-4", k, d)
				}
			}
		})
	}
}

func maxDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}
