package inference

import (
	"math"
	"sort"

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
// is sorted by score, highest first.
func NMS(dets []Detection, iou float64, agnostic bool) []Detection {
	sort.SliceStable(dets, func(i, j int) bool { return dets[i].Score > dets[j].Score })
	keep := dets[:0:0]
	for _, d := range dets {
		ok := true
		for _, k := range keep {
			if (agnostic || k.Class == d.Class) && k.Box.IoU(d.Box) > iou {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, d)
		}
	}
	return keep
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
