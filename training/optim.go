package training

// #cgo CXXFLAGS: -std=c++14
// #include <stdlib.h>
// void labelloop_set_requires_grad(void *t, int on);
// void labelloop_zero_grad(void **p, int n);
// double labelloop_grad_norm(void **p, int n);
// void labelloop_sgd_step(void **p, void **buf, const unsigned char *decay, int n, double lr, double momentum, double wd, int nesterov, double scale, int first);
// void labelloop_adam_step(void **p, void **m, void **v, const unsigned char *decay, int n, double lr, double b1, double b2, double eps, double wd, long long t, double scale);
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// Optimizer is SGD with nesterov momentum or Adam over the network's
// trainable tensors (the update rules are PyTorch's, in optim.cpp), with
// weight decay on convolution and linear weights only (not BatchNorm, not
// biases, as the reference groups them), optional gradient clipping by
// global norm, and state that checkpoints can save and resume.
type Optimizer struct {
	Kind        string  // "adam" or "sgd"
	LR          float64 // set per step by the schedule
	Momentum    float64 // SGD momentum, Adam β1 (0.937)
	Beta2       float64 // Adam β2 (0.999)
	WeightDecay float64
	ClipNorm    float64 // 0: no clipping
	Steps       int64   // steps taken (Adam's bias correction counts them)

	names  []string
	params []*ts.Tensor
	decay  []byte
	m, v   []*ts.Tensor // Adam's moments; SGD keeps its momentum buffer in m
	cp     unsafe.Pointer
	cm, cv unsafe.Pointer
}

// NewOptimizer prepares kind ("adam" or "sgd") for net's trainable tensors.
func NewOptimizer(net *Net, kind string, lr, weightDecay float64) (*Optimizer, error) {
	if kind != "adam" && kind != "sgd" {
		return nil, fmt.Errorf("optimizer %q: want adam or sgd", kind)
	}
	o := &Optimizer{Kind: kind, LR: lr, Momentum: 0.937, Beta2: 0.999, WeightDecay: weightDecay}
	for _, p := range net.G.Params {
		t, ok := net.Params[p.Name]
		if !ok || !trainable(p.Kind) {
			continue
		}
		o.names = append(o.names, p.Name)
		o.params = append(o.params, t)
		d := byte(0)
		if p.Kind == model.ConvWeight || p.Kind == model.LinearWeight {
			d = 1
		}
		o.decay = append(o.decay, d)
		o.m = append(o.m, t.MustZerosLike(false))
		if kind == "adam" {
			o.v = append(o.v, t.MustZerosLike(false))
		}
	}
	n := len(o.params)
	ptrs := func(ts []*ts.Tensor) unsafe.Pointer {
		if len(ts) == 0 {
			return nil
		}
		a := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))
		s := unsafe.Slice((*unsafe.Pointer)(a), n)
		for i, t := range ts {
			s[i] = t.Ctensor()
		}
		return a
	}
	o.cp, o.cm, o.cv = ptrs(o.params), ptrs(o.m), ptrs(o.v)
	return o, nil
}

func trainable(k model.ParamKind) bool {
	return k != model.BNMean && k != model.BNVar && k != model.BNCount
}

// Free releases the state and the C arrays.
func (o *Optimizer) Free() {
	for _, t := range append(o.m, o.v...) {
		t.MustDrop()
	}
	for _, p := range []unsafe.Pointer{o.cp, o.cm, o.cv} {
		if p != nil {
			C.free(p)
		}
	}
	*o = Optimizer{}
}

// Freeze stops (or restarts) training of every tensor whose name starts
// with prefix, e.g. "backbone." for the reference's frozen first epochs.
// It returns how many tensors it changed.
func (o *Optimizer) Freeze(prefix string, frozen bool) int {
	n := 0
	for i, name := range o.names {
		if strings.HasPrefix(name, prefix) {
			setRequiresGrad(o.params[i], !frozen)
			n++
		}
	}
	return n
}

// setRequiresGrad switches autograd on or off for t, in place.
func setRequiresGrad(t *ts.Tensor, on bool) {
	C.labelloop_set_requires_grad(t.Ctensor(), C.int(boolInt(on)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BackwardStep computes gradients of loss, clips them and updates the
// weights. It returns the gradients' global norm before clipping.
func (o *Optimizer) BackwardStep(loss *ts.Tensor) (float64, error) {
	n := C.int(len(o.params))
	C.labelloop_zero_grad((*unsafe.Pointer)(o.cp), n)
	if err := loss.Backward(); err != nil {
		return 0, err
	}
	norm := float64(C.labelloop_grad_norm((*unsafe.Pointer)(o.cp), n))
	scale := 1.0
	if o.ClipNorm > 0 && norm > o.ClipNorm {
		scale = o.ClipNorm / (norm + 1e-6)
	}
	decay := (*C.uchar)(unsafe.Pointer(&o.decay[0]))
	o.Steps++
	if o.Kind == "sgd" {
		C.labelloop_sgd_step((*unsafe.Pointer)(o.cp), (*unsafe.Pointer)(o.cm), decay, n, C.double(o.LR), C.double(o.Momentum),
			C.double(o.WeightDecay), 1, C.double(scale), C.int(boolInt(o.Steps == 1)))
	} else {
		C.labelloop_adam_step((*unsafe.Pointer)(o.cp), (*unsafe.Pointer)(o.cm), (*unsafe.Pointer)(o.cv), decay, n, C.double(o.LR),
			C.double(o.Momentum), C.double(o.Beta2), 1e-8, C.double(o.WeightDecay), C.longlong(o.Steps), C.double(scale))
	}
	return norm, nil
}

// State is the optimizer's tensors by slot ("m", "v") and parameter name.
func (o *Optimizer) State() map[string]map[string][]float32 {
	st := map[string]map[string][]float32{"m": copyOut(o.names, o.m)}
	if o.v != nil {
		st["v"] = copyOut(o.names, o.v)
	}
	return st
}

func copyOut(names []string, ts []*ts.Tensor) map[string][]float32 {
	out := make(map[string][]float32, len(ts))
	for i, t := range ts {
		out[names[i]] = floatsOf(t)
	}
	return out
}

// SetState loads what State saved; every tensor must be there with its size.
func (o *Optimizer) SetState(st map[string]map[string][]float32) error {
	slots := map[string][]*ts.Tensor{"m": o.m, "v": o.v}
	for slot, list := range slots {
		if list == nil {
			continue
		}
		vals, ok := st[slot]
		if !ok {
			return fmt.Errorf("optimizer state has no %q slot (was the run trained with %s?)", slot, o.Kind)
		}
		for i, name := range o.names {
			v, ok := vals[name]
			if !ok || len(v) != int(list[i].Numel()) {
				return fmt.Errorf("optimizer state %s.%s: missing or wrong size", slot, name)
			}
			src, err := tensorOf(v, list[i].MustSize())
			if err != nil {
				return err
			}
			ts.NoGrad(func() { list[i].Copy_(src) })
			src.MustDrop()
		}
	}
	return nil
}
