package detect

import (
	"math"
	"testing"

	"github.com/labelloop/labelloop/voc"
)

func bx(x1, y1, x2, y2 float64) voc.Box { return voc.Box{Xmin: x1, Ymin: y1, Xmax: x2, Ymax: y2} }

func det(c int, s float32, b voc.Box) Detection { return Detection{Class: c, Score: s, Box: b} }

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Worked by hand: TP .9, FP .8, TP .7 over two objects gives recall
// (.5, .5, 1) and precision (1, .5, 2/3); the envelope is (1, 1, 2/3, 2/3),
// so AP = .5·1 + .5·(2/3) = 5/6.
func TestAPWorkedExample(t *testing.T) {
	g := bx(10, 10, 50, 50)
	imgs := []EvalImage{
		{Dets: []Detection{det(0, .9, g)}, Truth: []GroundTruth{{0, g, false}}},
		{Dets: []Detection{det(0, .8, bx(100, 100, 120, 120)), det(0, .7, g)}, Truth: []GroundTruth{{0, g, false}}},
	}
	m := Evaluate(imgs, []string{"a"}, 0.75)
	if !approx(m.Classes[0].AP50, 5.0/6) {
		t.Fatalf("AP %v, want 5/6", m.Classes[0].AP50)
	}
	// at the display threshold .75: TP .9 and FP .8 → P .5, R .5
	if !approx(m.Precision, .5) || !approx(m.Recall, .5) || !approx(m.F1, .5) {
		t.Fatalf("P %v R %v F1 %v", m.Precision, m.Recall, m.F1)
	}
}

// Equal scores keep their order, as the reference's stable sort does:
// FP then TP gives AP .5, TP then FP gives 1.
func TestAPTies(t *testing.T) {
	g := bx(0, 0, 40, 40)
	miss := bx(200, 200, 240, 240)
	fpFirst := []EvalImage{{Dets: []Detection{det(0, .5, miss), det(0, .5, g)}, Truth: []GroundTruth{{0, g, false}}}}
	tpFirst := []EvalImage{{Dets: []Detection{det(0, .5, g), det(0, .5, miss)}, Truth: []GroundTruth{{0, g, false}}}}
	if ap := Evaluate(fpFirst, []string{"a"}, .5).Classes[0].AP50; !approx(ap, .5) {
		t.Fatalf("FP first: %v", ap)
	}
	if ap := Evaluate(tpFirst, []string{"a"}, .5).Classes[0].AP50; !approx(ap, 1) {
		t.Fatalf("TP first: %v", ap)
	}
}

func TestAPEdgeCases(t *testing.T) {
	g := bx(0, 0, 40, 40)
	imgs := []EvalImage{
		{Dets: []Detection{det(1, .9, g)}, Truth: []GroundTruth{{0, g, false}, {0, bx(100, 100, 140, 140), true}}},
		{Dets: []Detection{det(0, .8, bx(100, 100, 140, 140))}, Truth: []GroundTruth{{0, bx(100, 100, 140, 140), true}}},
	}
	m := Evaluate(imgs, []string{"a", "b", "c"}, .5)
	a, b, c := m.Classes[0], m.Classes[1], m.Classes[2]
	// a: one real object, no detection of it; the difficult one matched is ignored
	if a.Truths != 1 || a.AP50 != 0 || a.AP5095 != 0 {
		t.Fatalf("class a %+v", a)
	}
	// b and c have no ground truth: AP undefined and left out of the mean
	if !math.IsNaN(b.AP50) || !math.IsNaN(c.AP50) || m.MAP50 != 0 {
		t.Fatalf("no-truth classes: %+v %+v map %v", b, c, m.MAP50)
	}
	// b's detection still counts against precision
	if m.Precision != 0 || m.Recall != 0 {
		t.Fatalf("P %v R %v", m.Precision, m.Recall)
	}
	// a duplicate detection of one object is a false positive
	dup := []EvalImage{{Dets: []Detection{det(0, .9, g), det(0, .8, g)}, Truth: []GroundTruth{{0, g, false}}}}
	if m := Evaluate(dup, []string{"a"}, .5); !approx(m.Classes[0].AP50, 1) || !approx(m.Precision, .5) {
		t.Fatalf("duplicate: %+v", m.Classes[0])
	}
	// a perfect box has AP 1 at every IoU threshold
	if m := Evaluate([]EvalImage{{Dets: []Detection{det(0, .9, g)}, Truth: []GroundTruth{{0, g, false}}}}, []string{"a"}, .5); !approx(m.MAP5095, 1) {
		t.Fatalf("COCO AP of a perfect box %v", m.MAP5095)
	}
}
