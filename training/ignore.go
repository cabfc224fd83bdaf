package training

import (
	"math"

	"github.com/labelloop/labelloop/model"
)

// IgnoreMask marks, for one image and one output level, the anchor cells
// whose predicted box overlaps some ground truth by more than thresh: the
// reference does not count those as negatives for objectness. raw is the
// level's N×3(5+nc)×H×W output (image b), truth boxes are centre x, y,
// width, height in input pixels. The result is indexed [anchor][cell].
func IgnoreMask(raw []float32, b, nc, h, w, level, size int, anchors [9][2]float64, truth [][4]float64, thresh float64) [3][]bool {
	var mask [3][]bool
	per, plane := 5+nc, h*w
	stride := float64(size) / float64(w)
	base := raw[b*3*per*plane:]
	sig := func(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }
	for a := 0; a < 3; a++ {
		mask[a] = make([]bool, plane)
		if len(truth) == 0 {
			continue
		}
		an := anchors[model.AnchorMask[level][a]]
		ch := base[a*per*plane:]
		for cell := 0; cell < plane; cell++ {
			cx := (sig(ch[cell]) + float64(cell%w)) * stride
			cy := (sig(ch[plane+cell]) + float64(cell/w)) * stride
			pw := math.Exp(float64(ch[2*plane+cell])) * an[0]
			ph := math.Exp(float64(ch[3*plane+cell])) * an[1]
			for _, t := range truth {
				if centreIoU(cx, cy, pw, ph, t) > thresh {
					mask[a][cell] = true
					break
				}
			}
		}
	}
	return mask
}

func centreIoU(cx, cy, w, h float64, t [4]float64) float64 {
	iw := math.Min(cx+w/2, t[0]+t[2]/2) - math.Max(cx-w/2, t[0]-t[2]/2)
	ih := math.Min(cy+h/2, t[1]+t[3]/2) - math.Max(cy-h/2, t[1]-t[3]/2)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (w*h + t[2]*t[3] - inter)
}
