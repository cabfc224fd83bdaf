// Package training trains the detector with libtorch through gotch: the
// network built from package model, the loss, the data pipeline, the loop,
// checkpoints and the worker protocol. Only cmd/labelloop-train links it.
package training

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// Net is the detector as libtorch tensors, built from the model's graph so
// that training and export cannot drift apart.
type Net struct {
	G      *model.Graph
	Params map[string]*ts.Tensor // state-dict entries the network uses
	unused map[string][]float32  // entries it never runs, kept for checkpoints
	device gotch.Device
	last   []int      // per node: the last node that reads its output
	only   []bool     // per node: its output has one reader and is not an output
	none   *ts.Tensor // an undefined tensor: "no bias"
}

// NewNet puts weights (by state-dict name) on device. Missing weights are
// an error that names the first one.
func NewNet(g *model.Graph, w map[string][]float32, device gotch.Device) (*Net, error) {
	n := &Net{G: g, Params: map[string]*ts.Tensor{}, unused: map[string][]float32{}, device: device, none: ts.NewTensor()}
	for _, p := range g.Params {
		if p.Kind == model.BNCount {
			continue
		}
		if p.Node < 0 { // the ImageNet classifier and the like: carried, not run
			n.unused[p.Name] = w[p.Name]
			continue
		}
		v, ok := w[p.Name]
		if !ok {
			n.Free()
			return nil, fmt.Errorf("no weights for %s", p.Name)
		}
		if len(v) != p.Size() {
			n.Free()
			return nil, fmt.Errorf("%s: %d values for shape %v", p.Name, len(v), p.Shape)
		}
		shape := make([]int64, len(p.Shape))
		for i, d := range p.Shape {
			shape[i] = int64(d)
		}
		t, err := tensorOf(v, shape)
		if err != nil {
			n.Free()
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		if device != gotch.CPU {
			t = t.MustTo(device, true)
		}
		n.Params[p.Name] = t
	}
	n.last = make([]int, len(g.Nodes))
	readers := make([]int, len(g.Nodes))
	for i, node := range g.Nodes {
		for _, in := range node.Inputs {
			n.last[in] = i
			readers[in]++
		}
	}
	for _, o := range g.Outputs {
		n.last[o] = len(g.Nodes) // outputs outlive the forward pass
		readers[o]++
	}
	n.only = make([]bool, len(g.Nodes))
	for i, node := range g.Nodes {
		n.only[i] = readers[i] == 1 && node.Op != model.OpInput
	}
	return n, nil
}

// Free releases every tensor (gotch v0.7.0 has no finalizers).
func (n *Net) Free() {
	for _, t := range n.Params {
		t.MustDrop()
	}
	n.Params = nil
	if n.none != nil {
		n.none.MustDrop()
		n.none = nil
	}
}

func pair(v int) []int64 { return []int64{int64(v), int64(v)} }

// Forward runs x (N×3×S×S) and returns out0, out1, out2 (strides 32, 16,
// 8). train selects BatchNorm's batch statistics (and updates the running
// ones); otherwise it uses the running statistics. Every intermediate
// tensor is dropped as soon as its last reader has run.
func (n *Net) Forward(x *ts.Tensor, train bool) [3]*ts.Tensor {
	g := n.G
	vals := make([]*ts.Tensor, len(g.Nodes))
	p := n.Params
	for i, node := range g.Nodes {
		var in *ts.Tensor
		if len(node.Inputs) > 0 {
			in = vals[node.Inputs[0]]
		}
		var out *ts.Tensor
		switch node.Op {
		case model.OpInput:
			out = x
		case model.OpConv:
			bias := n.none
			if node.Bias {
				bias = p[node.Name+".bias"]
			}
			out = ts.MustConv2d(in, p[node.Name+".weight"], bias, pair(node.Stride), pair(node.Pad), pair(1), int64(node.Groups))
		case model.OpBatchNorm:
			out = ts.MustBatchNorm(in, p[node.Name+".weight"], p[node.Name+".bias"], p[node.Name+".running_mean"], p[node.Name+".running_var"],
				train, 0.1, 1e-5, false)
		// ReLU and ReLU6 run in place when nothing else reads their input.
		case model.OpReLU, model.OpReLU6:
			if n.only[node.Inputs[0]] {
				if node.Op == model.OpReLU {
					relu_(in)
				} else {
					relu6_(in)
				}
				out, vals[node.Inputs[0]] = in, nil
			} else if node.Op == model.OpReLU {
				out = in.MustRelu(false)
			} else {
				out = in.MustRelu6(false)
			}
		case model.OpHardSwish:
			out = in.MustHardswish(false)
		case model.OpHardSigmoid:
			out = in.MustHardsigmoid(false)
		case model.OpAdd:
			out = in.MustAdd(vals[node.Inputs[1]], false)
		case model.OpMul:
			out = in.MustMul(vals[node.Inputs[1]], false)
		case model.OpAvgPool:
			out = in.MustAdaptiveAvgPool2d(pair(1), false)
		case model.OpLinear:
			nb := in.MustSize()[0]
			flat := in.MustView([]int64{nb, int64(node.InC)}, false)
			y := ts.MustLinear(flat, p[node.Name+".weight"], p[node.Name+".bias"])
			flat.MustDrop()
			out = y.MustView([]int64{nb, int64(node.OutC), 1, 1}, true)
		case model.OpMaxPool:
			out = in.MustMaxPool2d(pair(node.Kernel), pair(1), pair(node.Pad), pair(1), false, false)
		case model.OpConcat:
			parts := make([]ts.Tensor, len(node.Inputs))
			for k, j := range node.Inputs {
				parts[k] = *vals[j]
			}
			out = ts.MustCat(parts, 1)
		case model.OpUpsample:
			s := node.Out
			out = in.MustUpsampleNearest2d([]int64{int64(s.H), int64(s.W)}, []float64{float64(node.Stride)}, []float64{float64(node.Stride)}, false)
		default:
			panic(fmt.Sprintf("%s: no libtorch form for %v", node.Name, node.Op))
		}
		vals[i] = out
		for _, j := range node.Inputs {
			if vals[j] != nil && n.last[j] == i && g.Nodes[j].Op != model.OpInput {
				vals[j].MustDrop()
				vals[j] = nil
			}
		}
	}
	return [3]*ts.Tensor{vals[g.Outputs[0]], vals[g.Outputs[1]], vals[g.Outputs[2]]}
}
