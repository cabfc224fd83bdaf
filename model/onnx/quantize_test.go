package onnx

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// Weights quantized per output channel and dequantized come back within
// half a step of that channel (its largest magnitude maps to ±127
// exactly), whatever the channel holds.
func TestWeightRoundTripWithinHalfStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	normal := make([]float32, 4*27)
	for i := range normal {
		normal[i] = float32(rng.NormFloat64() * 0.1)
	}
	outlier := make([]float32, 2*9)
	for i := range outlier {
		outlier[i] = float32(rng.Float64() * 1e-3)
	}
	outlier[4] = 3 // one large weight: the channel's step grows, the others round to few levels
	for _, c := range []struct {
		name string
		w    []float32
		outC int
	}{
		{"normal", normal, 4},
		{"outlier", outlier, 2},
		{"zeros", make([]float32, 3*4), 3},
		{"negative only", []float32{-1, -0.5, -0.25, -2, -4, -8}, 2},
		{"tiny", []float32{1e-30, -1e-30, 2e-30, 0}, 1},
	} {
		q, scales := QuantizeWeights(c.w, c.outC)
		per := len(c.w) / c.outC
		for ch := 0; ch < c.outC; ch++ {
			peak := false
			for k := 0; k < per; k++ {
				i := ch*per + k
				back := float64(q[i]) * float64(scales[ch])
				if d := math.Abs(back - float64(c.w[i])); d > float64(scales[ch])/2*(1+1e-6) {
					t.Errorf("%s: channel %d value %d: %v → %d × %v = %v, off by %v, more than half a step", c.name, ch, k, c.w[i], q[i], scales[ch], back, d)
				}
				if q[i] == 127 || q[i] == -127 {
					peak = true
				}
				if q[i] == -128 {
					t.Errorf("%s: -128 used: symmetric int8 is -127..127", c.name)
				}
			}
			if !peak && scales[ch] != 1 {
				t.Errorf("%s: channel %d never reaches ±127: its range is wasted", c.name, ch)
			}
		}
	}
}

// The plan quantizes what feeds each int8 convolution and keeps in float
// what it is told to: on the real network, every convolution but the
// three heads reads a dequantized input, MaxPool and Resize outputs share
// their input's range, and the head outputs stay float.
func TestQuantizePlanOnDetector(t *testing.T) {
	for _, bb := range model.Backbones {
		g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 2, InputSize: 64})
		m, err := Export(g, model.FixtureWeights(g), Meta{Classes: []string{"a", "b"}, Anchors: model.DefaultAnchors})
		if err != nil {
			t.Fatal(err)
		}
		opt := QuantOptions{Float: DefaultFloat}
		tensors := CalibrationTensors(m, opt)
		ranges := map[string]Range{}
		for _, n := range tensors {
			ranges[n] = Range{-1, 6}
		}
		q, err := Quantize(m, ranges, opt, CalibrationInfo{Images: 1, Method: "minmax"})
		if err != nil {
			t.Fatal(err)
		}
		convs, int8Convs := 0, 0
		for _, n := range q.Graph.Node {
			if n.GetOpType() != "Conv" {
				continue
			}
			convs++
			if len(n.Input[1]) > 12 && n.Input[1][len(n.Input[1])-12:] == "_dequantized" {
				int8Convs++
				if n.Input[0][len(n.Input[0])-12:] != "_dequantized" {
					t.Errorf("%s: int8 conv %s reads float %s", bb, n.GetName(), n.Input[0])
				}
			} else if !keepFloat(n.GetName(), DefaultFloat) {
				t.Errorf("%s: conv %s left in float", bb, n.GetName())
			}
		}
		if int8Convs == 0 || convs-int8Convs < 3 {
			t.Errorf("%s: %d of %d convolutions int8", bb, int8Convs, convs)
		}
		if _, err := Quantize(m, map[string]Range{}, opt, CalibrationInfo{}); err == nil {
			t.Errorf("%s: quantized without ranges", bb)
		}
	}
}
