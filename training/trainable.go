package training

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// NewTrainable builds the network with gradients on for its weights and
// biases; BatchNorm's running statistics are buffers that only the forward
// pass updates.
func NewTrainable(g *model.Graph, w map[string][]float32, device gotch.Device) (*Net, error) {
	net, err := NewNet(g, w, device)
	if err != nil {
		return nil, err
	}
	for _, p := range g.Params {
		if t, ok := net.Params[p.Name]; ok && trainable(p.Kind) {
			setRequiresGrad(t, true)
		}
	}
	return net, nil
}

// Step runs one training step on a batch: forward in training mode, the
// reference's loss, backward and an optimizer step. Every temporary
// tensor is freed before it returns.
func Step(net *Net, opt *Optimizer, x *ts.Tensor, tgt BatchTargets, anchors [9][2]float64, lo LossOptions) (LossParts, error) {
	var s scope
	defer s.free()
	outs := net.Forward(x, true)
	for _, o := range outs {
		s.keep(o)
	}
	loss, parts := Loss(&s, outs, tgt, net.G.NumClasses, net.G.InputSize, anchors, lo)
	norm, err := opt.BackwardStep(loss)
	parts.GradNorm = norm
	return parts, err
}
