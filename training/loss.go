package training

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// scope collects a step's temporary tensors so that one call frees them
// all once the optimizer has stepped (gotch v0.7.0 has no finalizers).
// Scalars too are C objects that leak unless dropped.
type scope struct {
	list    []*ts.Tensor
	scalars []*ts.Scalar
}

func (s *scope) keep(t *ts.Tensor) *ts.Tensor { s.list = append(s.list, t); return t }

// scalar is a float scalar that lives as long as the scope.
func (s *scope) scalar(v float64) *ts.Scalar {
	sc := ts.FloatScalar(v)
	s.scalars = append(s.scalars, sc)
	return sc
}

func (s *scope) free() {
	for _, t := range s.list {
		t.MustDrop()
	}
	for _, sc := range s.scalars {
		sc.MustDrop()
	}
	s.list, s.scalars = nil, nil
}

// LossParts are the terms of one step's loss (and, for training steps,
// the gradients' global norm before clipping).
type LossParts = protocol.LossParts

// LossOptions are the reference's optional loss variants.
type LossOptions = protocol.LossOptions

// Balance weighs objectness per output level (strides 32, 16, 8), as the
// reference does.
var Balance = [3]float64{0.4, 1, 4}

// BatchTargets are the ground truth of a batch: per image, boxes as centre
// x, y, width, height in input pixels, with class indices.
type BatchTargets struct {
	Boxes   [][][4]float64
	Classes [][]int
}

// Loss is the reference's loss: per output level, 0.05·mean(1 − CIoU)
// over the positive anchors, BCE(class)·(nc/80) over the positives, and
// BCE(objectness)·balance·5·(S²/416²) over the positives and the negatives
// that no ground truth overlaps by more than 0.5, with the variants in lo.
// The returned tensor is the total, ready for backward; s owns every
// tensor made on the way.
func Loss(s *scope, outs [3]*ts.Tensor, tgt BatchTargets, nc, size int, anchors [9][2]float64, lo LossOptions) (*ts.Tensor, LossParts) {
	eps := lo.LabelSmoothing
	dev := outs[0].MustDevice()
	var parts LossParts
	total := s.keep(ts.MustZeros([]int64{1}, gotch.Float, dev))
	nb := len(tgt.Boxes)
	var assigned [][]Target
	for b := 0; b < nb; b++ {
		assigned = append(assigned, Assign(tgt.Boxes[b], tgt.Classes[b], anchors, size))
	}
	for l := 0; l < 3; l++ {
		sz := outs[l].MustSize()
		h, w := int(sz[2]), int(sz[3])
		per := 5 + nc
		plane := h * w
		stride := float64(size) / float64(w)
		// N×3(5+nc)×H×W → rows of (5+nc), indexed b, anchor, cell
		rows := s.keep(s.keep(s.keep(outs[l].MustView([]int64{int64(nb), 3, int64(per), int64(h), int64(w)}, false)).
			MustPermute([]int64{0, 1, 3, 4, 2}, false)).MustContiguous(false)).MustView([]int64{-1, int64(per)}, false)
		s.keep(rows)
		raw := floatsOf(outs[l])
		objT := make([]float32, nb*3*plane)
		objW := make([]float32, nb*3*plane)
		var posIdx []int64
		var gx, gy, aw, ah, tx, ty, tw, th []float32
		var cls []float32
		for b := 0; b < nb; b++ {
			ign := IgnoreMask(raw, b, nc, h, w, l, size, anchors, tgt.Boxes[b], 0.5)
			for a := 0; a < 3; a++ {
				for c := 0; c < plane; c++ {
					if !ign[a][c] {
						objW[(b*3+a)*plane+c] = 1
					}
				}
			}
			for _, t := range assigned[b] {
				if t.Level != l {
					continue
				}
				i := (b*3+t.Anchor)*plane + t.GY*w + t.GX
				if objT[i] == 1 {
					continue // two boxes on one anchor cell: the first wins
				}
				objT[i], objW[i] = 1, 1
				posIdx = append(posIdx, int64(i))
				an := anchors[model.AnchorMask[l][t.Anchor]]
				gx, gy = append(gx, float32(t.GX)), append(gy, float32(t.GY))
				aw, ah = append(aw, float32(an[0]/stride)), append(ah, float32(an[1]/stride))
				tx, ty = append(tx, float32(t.CX/stride)), append(ty, float32(t.CY/stride))
				tw, th = append(tw, float32(t.W/stride)), append(th, float32(t.H/stride))
				oh := make([]float32, nc)
				for k := range oh {
					oh[k] = float32(eps / float64(nc))
				}
				oh[t.Class] = float32(1 - eps + eps/float64(nc))
				cls = append(cls, oh...)
			}
		}
		objRatio := 5 * float64(size*size) / (416 * 416)
		objLogit := s.keep(rows.MustSelect(1, 4, false))
		objTarget := s.keep(tensor1(objT, dev))
		weight := s.keep(tensor1(objW, dev))
		bce := s.keep(objLogit.MustBinaryCrossEntropyWithLogits(objTarget, weight, s.keep(ts.NewTensor()), 0, false)) // reduction none
		ratio := Balance[l] * objRatio
		if lo.Focal {
			bce = focal(s, bce, objLogit, objTarget, objT, dev)
			ratio *= 10
		}
		lossObj := s.keep(s.keep(bce.MustSum(gotch.Float, false)).MustDiv(s.keep(weight.MustSum(gotch.Float, false)), false))
		lossObj = s.keep(lossObj.MustMulScalar(s.scalar(ratio), false))
		total = s.keep(total.MustAdd(lossObj, false))
		parts.Obj += lossObj.Float64Values()[0]
		if len(posIdx) == 0 {
			continue
		}
		idx := s.keep(ts.MustOfSlice(posIdx).MustTo(dev, true))
		pos := s.keep(rows.MustIndexSelect(0, idx, false))
		col := func(k int64) *ts.Tensor { return s.keep(pos.MustSelect(1, k, false)) }
		v := func(x []float32) *ts.Tensor { return s.keep(tensor1(x, dev)) }
		// predicted boxes in grid units
		px := s.keep(s.keep(col(0).MustSigmoid(false)).MustAdd(v(gx), false))
		py := s.keep(s.keep(col(1).MustSigmoid(false)).MustAdd(v(gy), false))
		pw := s.keep(s.keep(col(2).MustExp(false)).MustMul(v(aw), false))
		ph := s.keep(s.keep(col(3).MustExp(false)).MustMul(v(ah), false))
		ciou := ciouLoss(s, px, py, pw, ph, v(tx), v(ty), v(tw), v(th))
		lossBox := s.keep(s.keep(s.keep(ciou.MustMulScalar(s.scalar(-1), false)).MustAddScalar(s.scalar(1), false)).MustMean(gotch.Float, false))
		lossBox = s.keep(lossBox.MustMulScalar(s.scalar(0.05), false))
		clsLogit := s.keep(pos.MustNarrow(1, 5, int64(nc), false))
		clsT := s.keep(tensor1(cls, dev).MustView([]int64{int64(len(posIdx)), int64(nc)}, true))
		lossCls := s.keep(clsLogit.MustBinaryCrossEntropyWithLogits(clsT, s.keep(ts.NewTensor()), s.keep(ts.NewTensor()), 1, false)) // mean
		lossCls = s.keep(lossCls.MustMulScalar(s.scalar(float64(nc)/80), false))
		total = s.keep(s.keep(total.MustAdd(lossBox, false)).MustAdd(lossCls, false))
		parts.Box += lossBox.Float64Values()[0]
		parts.Cls += lossCls.Float64Values()[0]
	}
	parts.Total = parts.Box + parts.Obj + parts.Cls
	return total, parts
}

// focal weighs per-anchor BCE by α_t·|target − sigmoid(logit)|², with
// α = 0.25 for objects and 0.75 for background (gradients flow through
// the second factor, as in the reference).
func focal(s *scope, bce, logit, target *ts.Tensor, t []float32, dev gotch.Device) *ts.Tensor {
	alpha := make([]float32, len(t))
	for i, v := range t {
		alpha[i] = 0.75 - 0.5*v
	}
	hard := s.keep(s.keep(s.keep(s.keep(logit.MustSigmoid(false)).MustSub(target, false)).MustAbs(false)).MustSquare(false))
	return s.keep(s.keep(bce.MustMul(s.keep(tensor1(alpha, dev)), false)).MustMul(hard, false))
}

func tensor1(v []float32, dev gotch.Device) *ts.Tensor {
	t, err := tensorOf(v, []int64{int64(len(v))})
	if err != nil {
		panic(err) // callers never pass an empty slice
	}
	if dev != gotch.CPU {
		return t.MustTo(dev, true)
	}
	return t
}

// ciouLoss is complete IoU of predicted and true boxes (centre, size):
// IoU − centre distance² / enclosing diagonal² − α·v, with
// v = 4/π²·(atan(wt/ht) − atan(wp/hp))² and α = v / (1 − IoU + v).
func ciouLoss(s *scope, px, py, pw, ph, tx, ty, tw, th *ts.Tensor) *ts.Tensor {
	k := func(t *ts.Tensor) *ts.Tensor { return s.keep(t) }
	half := s.scalar(0.5)
	pw2, ph2 := k(pw.MustMulScalar(half, false)), k(ph.MustMulScalar(half, false))
	tw2, th2 := k(tw.MustMulScalar(half, false)), k(th.MustMulScalar(half, false))
	px1, px2 := k(px.MustSub(pw2, false)), k(px.MustAdd(pw2, false))
	py1, py2 := k(py.MustSub(ph2, false)), k(py.MustAdd(ph2, false))
	tx1, tx2 := k(tx.MustSub(tw2, false)), k(tx.MustAdd(tw2, false))
	ty1, ty2 := k(ty.MustSub(th2, false)), k(ty.MustAdd(th2, false))
	zero := s.scalar(0)
	iw := k(k(k(px2.MustMinimum(tx2, false)).MustSub(k(px1.MustMaximum(tx1, false)), false)).MustClampMin(zero, false))
	ih := k(k(k(py2.MustMinimum(ty2, false)).MustSub(k(py1.MustMaximum(ty1, false)), false)).MustClampMin(zero, false))
	inter := k(iw.MustMul(ih, false))
	union := k(k(k(k(pw.MustMul(ph, false)).MustAdd(k(tw.MustMul(th, false)), false)).MustSub(inter, false)).MustAddScalar(s.scalar(1e-7), false))
	iou := k(inter.MustDiv(union, false))
	dx, dy := k(px.MustSub(tx, false)), k(py.MustSub(ty, false))
	centre := k(k(dx.MustSquare(false)).MustAdd(k(dy.MustSquare(false)), false))
	ew := k(k(px2.MustMaximum(tx2, false)).MustSub(k(px1.MustMinimum(tx1, false)), false))
	eh := k(k(py2.MustMaximum(ty2, false)).MustSub(k(py1.MustMinimum(ty1, false)), false))
	diag := k(k(k(ew.MustSquare(false)).MustAdd(k(eh.MustSquare(false)), false)).MustAddScalar(s.scalar(1e-7), false))
	at := k(k(k(tw.MustDiv(th, false)).MustAtan(false)).MustSub(k(k(pw.MustDiv(ph, false)).MustAtan(false)), false))
	vv := k(k(at.MustSquare(false)).MustMulScalar(s.scalar(4/(math.Pi*math.Pi)), false))
	den := k(k(k(k(iou.MustMulScalar(s.scalar(-1), false)).MustAddScalar(s.scalar(1), false)).MustAdd(vv, false)).MustClampMin(s.scalar(1e-6), false))
	alpha := k(vv.MustDiv(den, false))
	return k(k(iou.MustSub(k(centre.MustDiv(diag, false)), false)).MustSub(k(alpha.MustMul(vv, false)), false))
}
