package pth

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// Write → Read gives every tensor back, by name, shape and value, in the
// reference's order, num_batches_tracked as an int64 scalar.
func TestWriteRoundTrip(t *testing.T) {
	for _, bb := range model.Backbones {
		g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 3, InputSize: 96})
		w := model.FixtureWeights(g)
		p := filepath.Join(t.TempDir(), bb+".pth")
		if err := Write(p, g, w); err != nil {
			t.Fatal(err)
		}
		sd, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if sd.Format != "zip" || len(sd.Names) != len(g.Params) {
			t.Fatalf("%s: %s, %d tensors of %d", bb, sd.Format, len(sd.Names), len(g.Params))
		}
		for i, p := range g.Params {
			got := sd.Tensors[p.Name]
			if sd.Names[i] != p.Name || !slices.Equal(got.Shape, p.Shape) {
				t.Fatalf("%s: entry %d is %s %v, want %s %v", bb, i, sd.Names[i], got.Shape, p.Name, p.Shape)
			}
			if p.Kind == model.BNCount {
				if got.Dtype != "int64" || len(got.Data) != 1 || got.Data[0] != 0 {
					t.Fatalf("%s: %+v", p.Name, got)
				}
				continue
			}
			if got.Dtype != "float32" || !slices.Equal(got.Data, w[p.Name]) {
				t.Fatalf("%s: values differ", p.Name)
			}
		}
	}
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 96})
	if err := Write(filepath.Join(t.TempDir(), "x.pth"), g, map[string][]float32{}); err == nil {
		t.Fatal("missing weights written")
	}
}
