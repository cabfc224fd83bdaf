package training

import (
	"math"

	"github.com/labelloop/labelloop/model"
)

// Target is one ground-truth box placed on the grid: the output level,
// anchor (0–2 within the level), cell, and the box in input pixels.
type Target struct {
	Level, Anchor int
	GX, GY        int
	CX, CY, W, H  float64 // centre and size in input pixels
	Class         int
}

// seedCell is the grid cell of a box's centre c (size w, input pixels)
// computed the seed's way, in float32: corners divided by the input size,
// the centre rebuilt from them (dataloader.py), then multiplied by the
// grid's width (YOLOLoss.get_target) and floored. A centre on a cell
// border lands in the cell before it when float32 rounds just under (a
// box from 100 to 220 at 416: 9.999999 at 16-pixel cells; c/stride gives
// 10).
func seedCell(c, w float64, size, cells int) int {
	// each step converted, so that no multiply-add is fused across them
	x1, x2 := float32(float32(c-w/2)/float32(size)), float32(float32(c+w/2)/float32(size))
	bw := float32(x2 - x1)
	centre := float32(x1 + float32(bw/2))
	return int(math.Floor(float64(float32(centre * float32(cells)))))
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
				cells := size / model.Strides[level]
				gx, gy := min(cells-1, max(0, seedCell(b[0], b[2], size, cells))), min(cells-1, max(0, seedCell(b[1], b[3], size, cells)))
				out = append(out, Target{Level: level, Anchor: k, GX: gx, GY: gy, CX: b[0], CY: b[1], W: b[2], H: b[3], Class: classes[i]})
			}
		}
	}
	return out
}
