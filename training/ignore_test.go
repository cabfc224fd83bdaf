package training

import (
	"math"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// A prediction that sits on a ground-truth box is ignored; one far away is
// not.
func TestIgnoreMask(t *testing.T) {
	nc, h, w, size, level := 1, 4, 4, 128, 0 // stride 32, anchors 6, 7, 8
	per, plane := 5+nc, h*w
	raw := make([]float32, 3*per*plane)
	an := model.DefaultAnchors[model.AnchorMask[level][0]] // 142×110
	// anchor 0, cell (1,1): centre (48, 48), size = the anchor's
	cell := 1*w + 1
	raw[cell], raw[plane+cell] = 0, 0
	truth := [][4]float64{{48, 48, an[0], an[1]}}
	m := IgnoreMask(raw, 0, nc, h, w, level, size, model.DefaultAnchors, truth, 0.5)
	if !m[0][cell] {
		t.Fatal("the matching prediction is not ignored")
	}
	// cell (3,3) holds a box centred at (112,112) of the same size: IoU with the truth is low
	far := 3*w + 3
	if centreIoU(112, 112, an[0], an[1], truth[0]) > 0.5 == !m[0][far] {
		t.Fatalf("cell (3,3) mask %v disagrees with its IoU %.2f", m[0][far], centreIoU(112, 112, an[0], an[1], truth[0]))
	}
	if m := IgnoreMask(raw, 0, nc, h, w, level, size, model.DefaultAnchors, nil, 0.5); m[0][cell] {
		t.Fatal("ignored with no ground truth")
	}
	if v := centreIoU(10, 10, 4, 4, [4]float64{10, 10, 4, 4}); math.Abs(v-1) > 1e-12 {
		t.Fatal(v)
	}
}
