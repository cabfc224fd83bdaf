package training

import (
	"math"
	"testing"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// A box whose centre lies on a cell border goes to the cell the seed
// gives it: its float32 normalise-then-multiply, values printed by numpy
// 1.24 (Debian 12) for these corners.
func TestGridCellAsTheSeed(t *testing.T) {
	for _, c := range []struct {
		size, cells int
		x1, x2      float64
		want        int
	}{
		{416, 13, 27, 37, 0}, // centre 32 on the border: 0.99999994
		{416, 13, 123, 133, 3},
		{416, 26, 150, 170, 10},
		{416, 26, 100, 220, 9}, // the issue's: 9.999999, not 10
		{416, 52, 152, 168, 19},
		{320, 10, 20, 44, 1},
		{320, 20, 140, 180, 10},
		{160, 10, 64, 96, 5},
		{160, 20, 10, 30, 2},
		{416, 13, 50.5, 77.25, 1},
		{320, 40, 7, 9, 0},
	} {
		if g := seedCell((c.x1+c.x2)/2, c.x2-c.x1, c.size, c.cells); g != c.want {
			t.Errorf("%d px, %d cells, box %g..%g: cell %d, the seed's %d", c.size, c.cells, c.x1, c.x2, g, c.want)
		}
	}
	// and through Assign, on whichever level the box's anchor is
	tg := Assign([][4]float64{{160, 160, 120, 120}}, []int{0}, model.DefaultAnchors, 416)
	for _, g := range tg {
		cells := 416 / model.Strides[g.Level]
		if want := seedCell(160, 120, 416, cells); g.GX != want || g.GY != want {
			t.Errorf("level %d: cell %d,%d, the seed's %d", g.Level, g.GX, g.GY, want)
		}
	}
}

// The default learning rate is the seed's rule for the batch size.
func TestDefaultLRIsTheSeedsRule(t *testing.T) {
	for _, c := range []struct {
		opt   string
		batch int
		want  float64
	}{
		{"adam", 8, 3e-4}, {"adam", 16, 3e-4}, {"adam", 32, 5e-4}, {"adam", 64, 1e-3}, {"adam", 128, 1e-3},
		{"sgd", 8, 1.25e-3}, {"sgd", 2, 5e-4}, {"sgd", 64, 1e-2},
	} {
		cfg := &Config{Optimizer: c.opt}
		if got := baseLR(cfg, c.batch); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s at batch %d: %g, want %g", c.opt, c.batch, got, c.want)
		}
	}
	if got := baseLR(&Config{Optimizer: "adam", LR: 2e-3}, 8); got != 2e-3 {
		t.Errorf("a given rate is kept: %g", got)
	}
}

// Anchors are the seed's as they are at any input size unless scaling
// is asked for.
func TestAnchorsAsTheSeed(t *testing.T) {
	for _, size := range []int{160, 320, 416, 608} {
		cfg := Config{Anchors: "default", InputSize: size}
		a, err := chooseAnchors(cfg, nil)
		if err != nil || a != model.DefaultAnchors {
			t.Fatalf("default at %d: %v %v", size, a, err)
		}
		cfg.Anchors = "scaled"
		if a, _ := chooseAnchors(cfg, nil); a != model.AnchorsFor(size) {
			t.Fatalf("scaled at %d: %v", size, a)
		}
	}
	bad := protocol.Config{Dataset: "d", Backbone: "mobilenetv2", Anchors: "tiny"}
	bad.Defaults()
	if err := bad.Check(); err == nil {
		t.Fatal("anchors \"tiny\" accepted")
	}
}
