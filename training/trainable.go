package training

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// NewTrainable builds the network with its parameters held in a VarStore,
// so an optimizer can update them: weights and biases train, BatchNorm's
// running statistics are buffers that only the forward pass updates.
func NewTrainable(g *model.Graph, w map[string][]float32, device gotch.Device) (*Net, *nn.VarStore, error) {
	net, err := NewNet(g, w, device)
	if err != nil {
		return nil, nil, err
	}
	vs := nn.NewVarStore(device)
	for _, p := range g.Params {
		t, ok := net.Params[p.Name]
		if !ok {
			continue
		}
		trainable := p.Kind != model.BNMean && p.Kind != model.BNVar
		// the VarStore's own names may not contain dots; ours are kept in net.Params
		v, err := vs.Root().Add(strings.ReplaceAll(p.Name, ".", "|"), t, trainable)
		if err != nil {
			net.Free()
			return nil, nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		t.MustDrop() // v is a new handle on the same tensor
		net.Params[p.Name] = v
	}
	return net, vs, nil
}

// Step runs one training step on a batch: forward in training mode, the
// reference's loss, backward and an optimizer step. Every temporary
// tensor is freed before it returns.
func Step(net *Net, opt *nn.Optimizer, x *ts.Tensor, tgt BatchTargets, anchors [9][2]float64, eps float64) (LossParts, error) {
	var s scope
	defer s.free()
	outs := net.Forward(x, true)
	for _, o := range outs {
		s.keep(o)
	}
	loss, parts := Loss(&s, outs, tgt, net.G.NumClasses, net.G.InputSize, anchors, eps)
	if err := opt.BackwardStep(loss); err != nil {
		return parts, err
	}
	return parts, nil
}
