package inference

import (
	"cmp"
	"math"
	"slices"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/voc"
)

// Detection is one box, in original-image pixels.
type Detection struct {
	Class int
	Score float32
	Box   voc.Box
}

// Thresholds filter and suppress detections.
type Thresholds struct {
	Conf     float32 // minimum score (objectness × class)
	NMS      float64 // IoU above which the lower-scoring box is dropped
	Agnostic bool    // suppress across classes, not per class
}

// DisplayThresholds are the reference's defaults for showing detections;
// MAPThresholds its defaults for computing mAP.
var (
	DisplayThresholds = Thresholds{Conf: 0.5, NMS: 0.3}
	MAPThresholds     = Thresholds{Conf: 0.001, NMS: 0.5}
)

func sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

// logit is sigmoid's inverse, so objectness can be screened before any exp.
func logit(p float32) float32 {
	if p <= 0 {
		return float32(math.Inf(-1))
	}
	if p >= 1 {
		return float32(math.Inf(1))
	}
	return float32(math.Log(float64(p / (1 - p))))
}

// Decode turns the raw head outputs of image b of a batch (out0, out1,
// out2: each N×3(5+nc)×H×W) into candidate boxes in input pixels: per
// anchor and cell, the best class, scored sigmoid(obj)·sigmoid(class) as
// the reference does, kept when at least t.Conf.
func Decode(outs []Output, b, nc, inputSize int, anchors [9][2]float64, conf float32) []Detection {
	var dets []Detection
	objMin := logit(conf) // score ≤ sigmoid(obj), so a lower obj can never pass
	for k, o := range outs {
		h, w := int(o.Shape[2]), int(o.Shape[3])
		stride := float64(inputSize) / float64(w)
		per := 5 + nc
		plane := h * w
		base := o.Data[b*3*per*plane:]
		for a := 0; a < 3; a++ {
			an := anchors[model.AnchorMask[k][a]]
			ch := base[a*per*plane:]
			for cell := 0; cell < plane; cell++ {
				to := ch[4*plane+cell]
				if to < objMin {
					continue
				}
				obj := sigmoid(to)
				best, bestV := 0, ch[5*plane+cell]
				for c := 1; c < nc; c++ {
					if v := ch[(5+c)*plane+cell]; v > bestV {
						best, bestV = c, v
					}
				}
				score := obj * sigmoid(bestV)
				if score < conf {
					continue
				}
				gx, gy := float64(cell%w), float64(cell/w)
				cx := (float64(sigmoid(ch[cell])) + gx) * stride
				cy := (float64(sigmoid(ch[plane+cell])) + gy) * stride
				bw := math.Exp(float64(ch[2*plane+cell])) * an[0]
				bh := math.Exp(float64(ch[3*plane+cell])) * an[1]
				dets = append(dets, Detection{Class: best, Score: score,
					Box: voc.Box{Xmin: cx - bw/2, Ymin: cy - bh/2, Xmax: cx + bw/2, Ymax: cy + bh/2}})
			}
		}
	}
	return dets
}

// NMS keeps the best-scoring boxes, dropping any that overlaps a kept box
// of the same class (any class if agnostic) by more than iou. The result
// is sorted by score, highest first. Classes are suppressed separately, so
// a box is only compared with kept boxes of its own class.
func NMS(dets []Detection, iou float64, agnostic bool) []Detection {
	if len(dets) == 0 {
		return dets
	}
	slices.SortStableFunc(dets, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	// Kept boxes are filed in a uniform grid, so a candidate is compared
	// only with kept boxes in the cells it touches: crowded images (or
	// mAP's 0.001 threshold) stay fast.
	x0, y0, x1, y1 := dets[0].Box.Xmin, dets[0].Box.Ymin, dets[0].Box.Xmax, dets[0].Box.Ymax
	for _, d := range dets {
		x0, y0 = minf(x0, d.Box.Xmin), minf(y0, d.Box.Ymin)
		x1, y1 = maxf(x1, d.Box.Xmax), maxf(y1, d.Box.Ymax)
	}
	const cells = 16
	cw, ch := (x1-x0)/cells+1e-9, (y1-y0)/cells+1e-9
	span := func(b voc.Box) (int, int, int, int) {
		return min(cells-1, int((b.Xmin-x0)/cw)), min(cells-1, int((b.Ymin-y0)/ch)), min(cells-1, int((b.Xmax-x0)/cw)), min(cells-1, int((b.Ymax-y0)/ch))
	}
	type kbox struct{ x1, y1, x2, y2, area float64 }
	var kept []kbox
	grids := map[int]*[cells * cells][]int32{}
	stamp := []int{}
	out := dets[:0:0]
	for n, d := range dets {
		key := d.Class
		if agnostic {
			key = 0
		}
		g := grids[key]
		if g == nil {
			g = new([cells * cells][]int32)
			grids[key] = g
		}
		b := d.Box
		area := (b.Xmax - b.Xmin) * (b.Ymax - b.Ymin)
		gx0, gy0, gx1, gy1 := span(b)
		ok := true
	search:
		for gy := gy0; gy <= gy1; gy++ {
			for gx := gx0; gx <= gx1; gx++ {
				for _, ki := range g[gy*cells+gx] {
					if stamp[ki] == n+1 {
						continue // already compared via another cell
					}
					stamp[ki] = n + 1
					k := kept[ki]
					// inter > iou·union, without a division; cheapest test first
					iw := minf(b.Xmax, k.x2) - maxf(b.Xmin, k.x1)
					if iw <= 0 {
						continue
					}
					ih := minf(b.Ymax, k.y2) - maxf(b.Ymin, k.y1)
					if ih <= 0 {
						continue
					}
					if inter := iw * ih; inter > iou*(area+k.area-inter) {
						ok = false
						break search
					}
				}
			}
		}
		if !ok {
			continue
		}
		ki := int32(len(kept))
		kept = append(kept, kbox{b.Xmin, b.Ymin, b.Xmax, b.Ymax, area})
		stamp = append(stamp, 0)
		for gy := gy0; gy <= gy1; gy++ {
			for gx := gx0; gx <= gx1; gx++ {
				g[gy*cells+gx] = append(g[gy*cells+gx], ki)
			}
		}
		out = append(out, d)
	}
	return out
}

// minf and maxf skip math.Min's NaN handling: boxes here are finite.
func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// ToOriginal maps detections from input pixels to the original image,
// clamped to it.
func ToOriginal(dets []Detection, f Frame) {
	for i := range dets {
		b := &dets[i].Box
		b.Xmin, b.Ymin = f.ToOriginal(b.Xmin, b.Ymin)
		b.Xmax, b.Ymax = f.ToOriginal(b.Xmax, b.Ymax)
		b.Xmin, b.Xmax = math.Max(0, b.Xmin), math.Min(float64(f.OrigW), b.Xmax)
		b.Ymin, b.Ymax = math.Max(0, b.Ymin), math.Min(float64(f.OrigH), b.Ymax)
	}
}
