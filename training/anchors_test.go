package training

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// Boxes drawn around nine known sizes come back as those nine anchors.
func TestKMeansFindsPlantedSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var boxes []WH
	for _, a := range model.DefaultAnchors {
		for i := 0; i < 60; i++ {
			boxes = append(boxes, WH{a[0] / 416 * (1 + 0.02*rng.NormFloat64()), a[1] / 416 * (1 + 0.02*rng.NormFloat64())})
		}
	}
	for seed := uint64(0); seed < 10; seed++ {
		got, avgIoU, err := KMeansAnchors(boxes, 416, seed)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range model.DefaultAnchors {
			if math.Abs(got[i][0]-a[0])/a[0] > 0.05 || math.Abs(got[i][1]-a[1])/a[1] > 0.05 {
				t.Fatalf("seed %d: anchor %d = %v, planted %v (all: %v)", seed, i, got[i], a, got)
			}
		}
		if avgIoU < 0.9 {
			t.Fatalf("seed %d: mean IoU %v", seed, avgIoU)
		}
	}
	if _, _, err := KMeansAnchors(boxes[:5], 416, 0); err == nil {
		t.Fatal("5 boxes accepted")
	}
}

func TestAssignBestAnchorAndCell(t *testing.T) {
	// a 40×28 box is anchor 2 exactly: level 2 (stride 8), third anchor
	tg := Assign([][4]float64{{100, 50, 40, 28}, {200, 200, 450, 400}, {5, 5, 0, 3}}, []int{1, 0, 2}, model.DefaultAnchors, 416)
	if len(tg) != 2 {
		t.Fatalf("%+v", tg)
	}
	if a := tg[0]; a.Level != 2 || a.Anchor != 2 || a.GX != 12 || a.GY != 6 || a.Class != 1 {
		t.Fatalf("small box: %+v", a)
	}
	if b := tg[1]; b.Level != 0 || b.Anchor != 2 || b.GX != 6 || b.GY != 6 {
		t.Fatalf("large box: %+v", b)
	}
	// a centre on the far edge stays inside the grid
	if e := Assign([][4]float64{{416, 416, 20, 20}}, []int{0}, model.DefaultAnchors, 416)[0]; e.GX != 51 || e.GY != 51 {
		t.Fatalf("edge: %+v", e)
	}
}
