package detect

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

// Output is one output tensor of the network (from ONNX Runtime or libtorch).
type Output struct {
	Shape []int64
	Data  []float32
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
	var cells, best []int32
	var bestV []float32
	for k, o := range outs {
		if k >= len(model.AnchorMask) || !HeadFits(o, b, nc) {
			continue // not a head of this model (Detector.run reports it)
		}
		h, w := int(o.Shape[2]), int(o.Shape[3])
		stride := float64(inputSize) / float64(w)
		per := 5 + nc
		plane := h * w
		base := o.Data[b*3*per*plane:]
		for a := 0; a < 3; a++ {
			an := anchors[model.AnchorMask[k][a]]
			ch := base[a*per*plane:]
			cells = cells[:0]
			for cell, v := range ch[4*plane : 5*plane] {
				if v >= objMin { // false for NaN: a non-finite output is no box
					cells = append(cells, int32(cell))
				}
			}
			if len(cells) == 0 {
				continue
			}
			// The best class, one class plane after another: reads that
			// run forward through memory, where each cell's 20-odd class
			// scores are a plane apart (a cache miss each, the caches
			// being cold after the network).
			best, bestV = slices.Grow(best[:0], len(cells))[:len(cells)], slices.Grow(bestV[:0], len(cells))[:len(cells)]
			first := ch[5*plane : 6*plane]
			for i, cell := range cells {
				best[i], bestV[i] = 0, first[cell]
			}
			for c := 1; c < nc; c++ {
				p := ch[(5+c)*plane : (6+c)*plane]
				for i, cell := range cells {
					if v := p[cell]; v > bestV[i] {
						best[i], bestV[i] = int32(c), v
					}
				}
			}
			dets = slices.Grow(dets, len(cells))
			for i, c := range cells {
				score := sigmoid(ch[4*plane+int(c)]) * sigmoid(bestV[i])
				if !(score >= conf) { // NaN too
					continue
				}
				cell := int(c)
				gx, gy := float64(cell%w), float64(cell/w)
				cx := (float64(sigmoid(ch[cell])) + gx) * stride
				cy := (float64(sigmoid(ch[plane+cell])) + gy) * stride
				bw := math.Exp(float64(ch[2*plane+cell])) * an[0]
				bh := math.Exp(float64(ch[3*plane+cell])) * an[1]
				d := Detection{Class: int(best[i]), Score: score,
					Box: voc.Box{Xmin: cx - bw/2, Ymin: cy - bh/2, Xmax: cx + bw/2, Ymax: cy + bh/2}}
				if finite(d) {
					dets = append(dets, d)
				}
			}
		}
	}
	return dets
}

// HeadFits reports whether o is an N×3(5+nc)×H×W head whose data holds
// image b.
func HeadFits(o Output, b, nc int) bool {
	if len(o.Shape) != 4 || o.Shape[1] != int64(3*(5+nc)) || o.Shape[2] < 1 || o.Shape[3] < 1 || b < 0 || int64(b) >= o.Shape[0] {
		return false
	}
	n := o.Shape[0] * o.Shape[1] * o.Shape[2] * o.Shape[3]
	return n > 0 && n <= int64(len(o.Data))
}

// finite reports a detection whose score and box are all finite numbers.
func finite(d Detection) bool {
	s := float64(d.Score)
	b := d.Box
	// x-x is 0 for a finite x and NaN for an infinite or NaN one
	return s-s == 0 && b.Xmin-b.Xmin == 0 && b.Ymin-b.Ymin == 0 && b.Xmax-b.Xmax == 0 && b.Ymax-b.Ymax == 0
}

// NMS keeps the best-scoring boxes, dropping any that overlaps a kept box
// of the same class (any class if agnostic) by more than iou. The result
// is sorted by score, highest first (ties in their given order).
// Detections with a non-finite score or box are dropped (a NaN box would
// index the grid out of range).
func NMS(dets []Detection, iou float64, agnostic bool) []Detection {
	// Classes are suppressed separately, so candidates are taken class by
	// class, each in score order, and a box is only ever compared with
	// the kept boxes of its own class. Sorting small keys moves less than
	// sorting the detections.
	keys := make([]nmsKey, 0, len(dets))
	for i, d := range dets {
		if !finite(d) {
			continue
		}
		k := nmsKey{d.Score, int32(d.Class), int32(i)}
		if agnostic {
			k.class = 0
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return dets[:0]
	}
	slices.SortFunc(keys, func(a, b nmsKey) int {
		if a.class != b.class {
			return cmp.Compare(a.class, b.class)
		}
		return a.byScore(b)
	})
	g := new(nmsGrid)
	kept := keys[:0] // written behind the position read
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end].class == keys[start].class {
			end++
		}
		g.reset(dets, keys[start:end])
		for _, k := range keys[start:end] {
			if g.keep(dets[k.idx].Box, iou) {
				kept = append(kept, k)
			}
		}
		start = end
	}
	slices.SortFunc(kept, nmsKey.byScore)
	out := make([]Detection, len(kept))
	for i, k := range kept {
		out[i] = dets[k.idx]
	}
	return out
}

// nmsKey is a detection's place in NMS's order.
type nmsKey struct {
	score      float32
	class, idx int32
}

// byScore orders by score, highest first, ties by position (a stable sort).
func (a nmsKey) byScore(b nmsKey) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.idx, b.idx)
}

// nmsGrid files one class's kept boxes in a uniform grid over its
// candidates, so a candidate is compared only with kept boxes in the cells
// it touches: crowded images (or mAP's 0.001 threshold) stay fast. It is
// reused from class to class.
type nmsGrid struct {
	x0, y0, cw, ch float64
	cells          [nmsCells * nmsCells][]int32
	kept           []keptBox
	stamp          []int32 // per kept box: the last candidate compared with it
	n              int32   // candidates seen
}

const nmsCells = 16

type keptBox struct{ x1, y1, x2, y2, area float64 }

func (g *nmsGrid) reset(dets []Detection, keys []nmsKey) {
	b := dets[keys[0].idx].Box
	x0, y0, x1, y1 := b.Xmin, b.Ymin, b.Xmax, b.Ymax
	for _, k := range keys[1:] {
		b := dets[k.idx].Box
		x0, y0 = minf(x0, b.Xmin), minf(y0, b.Ymin)
		x1, y1 = maxf(x1, b.Xmax), maxf(y1, b.Ymax)
	}
	g.x0, g.y0 = x0, y0
	g.cw, g.ch = (x1-x0)/nmsCells+1e-9, (y1-y0)/nmsCells+1e-9
	for i := range g.cells {
		g.cells[i] = g.cells[i][:0]
	}
	g.kept, g.stamp, g.n = g.kept[:0], g.stamp[:0], 0
}

// keep reports whether b survives the boxes kept so far, and keeps it if so.
func (g *nmsGrid) keep(b voc.Box, iou float64) bool {
	g.n++
	area := (b.Xmax - b.Xmin) * (b.Ymax - b.Ymin)
	gx0, gy0 := min(nmsCells-1, int((b.Xmin-g.x0)/g.cw)), min(nmsCells-1, int((b.Ymin-g.y0)/g.ch))
	gx1, gy1 := min(nmsCells-1, int((b.Xmax-g.x0)/g.cw)), min(nmsCells-1, int((b.Ymax-g.y0)/g.ch))
	for gy := gy0; gy <= gy1; gy++ {
		for gx := gx0; gx <= gx1; gx++ {
			for _, ki := range g.cells[gy*nmsCells+gx] {
				if g.stamp[ki] == g.n {
					continue // already compared via another cell
				}
				g.stamp[ki] = g.n
				k := &g.kept[ki]
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
					return false
				}
			}
		}
	}
	ki := int32(len(g.kept))
	g.kept = append(g.kept, keptBox{b.Xmin, b.Ymin, b.Xmax, b.Ymax, area})
	g.stamp = append(g.stamp, 0)
	for gy := gy0; gy <= gy1; gy++ {
		for gx := gx0; gx <= gx1; gx++ {
			g.cells[gy*nmsCells+gx] = append(g.cells[gy*nmsCells+gx], ki)
		}
	}
	return true
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
// each corner clamped into it, so that no box reaches outside the picture
// or comes out inverted (a box in a letterbox band mapped past the edge,
// and clamping one side only left xmin > xmax). Boxes with less than a
// pixel left inside the picture are dropped; the kept ones are returned,
// in order.
func ToOriginal(dets []Detection, f Frame) []Detection {
	w, h := float64(f.OrigW), float64(f.OrigH)
	kept := dets[:0]
	for _, d := range dets {
		b := &d.Box
		b.Xmin, b.Ymin = f.ToOriginal(b.Xmin, b.Ymin)
		b.Xmax, b.Ymax = f.ToOriginal(b.Xmax, b.Ymax)
		b.Xmin, b.Xmax = math.Max(0, math.Min(w, b.Xmin)), math.Max(0, math.Min(w, b.Xmax))
		b.Ymin, b.Ymax = math.Max(0, math.Min(h, b.Ymin)), math.Max(0, math.Min(h, b.Ymax))
		// a box clipped to under a pixel is an object off the picture:
		// nothing a person can see or label
		if b.Xmax-b.Xmin >= 1 && b.Ymax-b.Ymin >= 1 {
			kept = append(kept, d)
		}
	}
	return kept
}
