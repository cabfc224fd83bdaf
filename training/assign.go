package training

import "github.com/labelloop/labelloop/model"

// Target is one ground-truth box placed on the grid: the output level,
// anchor (0–2 within the level), cell, and the box in input pixels.
type Target struct {
	Level, Anchor int
	GX, GY        int
	CX, CY, W, H  float64 // centre and size in input pixels
	Class         int
}

// Assign gives each ground-truth box (centre x, y, width, height in input
// pixels) to the single best of the nine anchors by width/height IoU, in
// the cell containing its centre on that anchor's level, as the reference
// does. Boxes without area are skipped.
func Assign(boxes [][4]float64, classes []int, anchors [9][2]float64, size int) []Target {
	var out []Target
	for i, b := range boxes {
		if b[2] <= 0 || b[3] <= 0 {
			continue
		}
		best, bestIoU := 0, -1.0
		for a, an := range anchors {
			if iou := whIoU(WH{b[2], b[3]}, WH{an[0], an[1]}); iou > bestIoU {
				best, bestIoU = a, iou
			}
		}
		for level, mask := range model.AnchorMask {
			for k, a := range mask {
				if a != best {
					continue
				}
				stride := float64(model.Strides[level])
				cells := size / model.Strides[level]
				gx, gy := min(cells-1, max(0, int(b[0]/stride))), min(cells-1, max(0, int(b[1]/stride)))
				out = append(out, Target{Level: level, Anchor: k, GX: gx, GY: gy, CX: b[0], CY: b[1], W: b[2], H: b[3], Class: classes[i]})
			}
		}
	}
	return out
}
