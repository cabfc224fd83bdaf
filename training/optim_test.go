package training

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// stepOnce builds a small network, runs one step of opt on a fixed input
// and returns the weights before, after and the gradients.
func stepOnce(t *testing.T, setup func(*Optimizer)) (before, after, grad map[string][]float32) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 2, InputSize: 64})
	net, err := NewTrainable(g, model.InitWeights(g, 3), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	opt, err := NewOptimizer(net, "sgd", 0.1, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Free()
	setup(opt)
	ManualSeed(1)
	x := ts.MustRand([]int64{2, 3, 64, 64}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	before = net.Weights()
	var s scope
	if _, err := opt.BackwardStep(headsMean(&s, net.Forward(x, true))); err != nil {
		t.Fatal(err)
	}
	grad = map[string][]float32{}
	for i, name := range opt.names {
		gr := opt.params[i].MustGrad(false)
		if gr.MustDefined() {
			grad[name] = append([]float32(nil), gr.Vals().([]float32)...)
		}
		gr.MustDrop()
	}
	s.free()
	return before, net.Weights(), grad
}

// SGD with nesterov, first step: p −= lr·(1+m)·(g + wd·p), with the decay
// on convolution weights and not on BatchNorm or biases.
func TestSGDStepAndDecayGroups(t *testing.T) {
	before, after, grad := stepOnce(t, func(*Optimizer) {})
	const lr, m, wd = 0.1, 0.937, 0.01
	check := func(name string, decay bool) {
		p0, p1, g := before[name], after[name], grad[name]
		for i := range p0 {
			d := float64(g[i])
			if decay {
				d += wd * float64(p0[i])
			}
			want := float64(p0[i]) - lr*(1+m)*d
			if math.Abs(float64(p1[i])-want) > 1e-5*max(1, math.Abs(want)) {
				t.Fatalf("%s[%d]: %g, want %g (decay %v)", name, i, p1[i], want, decay)
			}
		}
	}
	check("backbone.model.features.0.0.weight", true)
	check("backbone.model.features.0.1.weight", false) // BatchNorm
	check("yolo_head3.1.bias", false)
	check("yolo_head3.1.weight", true)
}

// A frozen backbone gets no gradients and does not move; the rest does.
func TestFreezeBackbone(t *testing.T) {
	before, after, grad := stepOnce(t, func(o *Optimizer) {
		if n := o.Freeze("backbone.", true); n == 0 {
			t.Fatal("nothing frozen")
		}
	})
	for name := range before {
		if strings.HasPrefix(name, "backbone.") && !strings.Contains(name, "running_") && grad[name] != nil {
			t.Fatalf("%s has a gradient while frozen", name)
		}
	}
	if before["backbone.model.features.0.0.weight"][0] != after["backbone.model.features.0.0.weight"][0] {
		t.Fatal("frozen weight moved")
	}
	if before["yolo_head3.1.weight"][0] == after["yolo_head3.1.weight"][0] {
		t.Fatal("head did not move")
	}
}

// Clipping scales the whole update so the gradients' norm is the limit.
func TestClipNorm(t *testing.T) {
	before, after, grad := stepOnce(t, func(o *Optimizer) { o.ClipNorm = 1e-3; o.WeightDecay = 0 })
	var norm float64
	for _, g := range grad {
		for _, v := range g {
			norm += float64(v) * float64(v)
		}
	}
	norm = math.Sqrt(norm)
	if norm <= 1e-3 {
		t.Skipf("gradient norm %g already under the limit", norm)
	}
	name := "yolo_head3.1.weight"
	for i := range before[name] {
		want := float64(before[name][i]) - 0.1*1.937*float64(grad[name][i])*1e-3/norm
		if math.Abs(float64(after[name][i])-want) > 1e-6 {
			t.Fatalf("%s[%d]: %g, want %g", name, i, after[name][i], want)
		}
	}
}
