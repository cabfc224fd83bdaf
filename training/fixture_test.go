package training

import (
	"math"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

const fixtureDir = "../model/testdata/fixture"

func readF32(t *testing.T, path string) []float32 {
	v, err := model.ReadFloat32s(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// All three backbones, built from model/ in libtorch with the fixture's
// formula weights, reproduce the reference outputs in inference mode.
func TestFixtureLibtorch(t *testing.T) {
	x, err := ts.NewTensorFromData(model.FixtureInput(416), []int64{1, 3, 416, 416})
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	for _, bb := range model.Backbones {
		t.Run(bb, func(t *testing.T) {
			g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 20, InputSize: 416})
			net, err := NewNet(g, model.FixtureWeights(g), gotch.CPU)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Free()
			var outs [3]*ts.Tensor
			runtime.LockOSThread() // grad mode is per OS thread
			defer runtime.UnlockOSThread()
			ts.NoGrad(func() { outs = net.Forward(x, false) })
			for k := range 3 {
				got := outs[k].Vals().([]float32)
				outs[k].MustDrop()
				want := readF32(t, model.FixtureOutputPath(fixtureDir, bb, k))
				if len(got) != len(want) {
					t.Fatalf("out%d: %d values, want %d", k, len(got), len(want))
				}
				d := 0.0
				for i := range got {
					d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
				}
				t.Logf("out%d: max abs error %.2g", k, d)
				if d > 1e-4 {
					t.Errorf("out%d: max abs error %g, bar is 1e-4", k, d)
				}
			}
		})
	}
}
