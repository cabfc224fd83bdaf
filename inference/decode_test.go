package inference

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// One confident cell in the stride-16 head decodes to the box the
// reference's formulas give.
func TestDecodeOneCell(t *testing.T) {
	nc, size := 2, 64
	var outs []Output
	for k := 0; k < 3; k++ {
		w := size / model.Strides[k]
		d := make([]float32, 3*(5+nc)*w*w)
		for i := range d {
			d[i] = -10 // nothing anywhere
		}
		outs = append(outs, Output{Shape: []int64{1, int64(3 * (5 + nc)), int64(w), int64(w)}, Data: d})
	}
	// head 1 (stride 16, 4×4), anchor 1 (global anchor 4: 76×55), cell (2,1)
	o, w, a, cell := outs[1], 4, 1, 1*4+2
	plane := w * w
	ch := func(c int) int { return (a*(5+nc)+c)*plane + cell }
	o.Data[ch(0)], o.Data[ch(1)] = 0, 0 // centre of the cell
	o.Data[ch(2)], o.Data[ch(3)] = 0, float32(math.Log(2))
	o.Data[ch(4)] = 10  // objectness ~1
	o.Data[ch(5)] = -10 // class 0 unlikely
	o.Data[ch(6)] = 10  // class 1
	dets := Decode(outs, 0, nc, size, model.DefaultAnchors, 0.5)
	if len(dets) != 1 {
		t.Fatalf("%d detections", len(dets))
	}
	d := dets[0]
	cx, cy := (0.5+2)*16, (0.5+1)*16
	bw, bh := 76.0, 55.0*2
	if d.Class != 1 || d.Score < 0.99 || math.Abs(d.Box.Xmin-(cx-bw/2)) > 1e-3 || math.Abs(d.Box.Ymax-(cy+bh/2)) > 1e-3 {
		t.Fatalf("%+v", d)
	}
	if got := Decode(outs, 0, nc, size, model.DefaultAnchors, 0.9999999); len(got) != 0 {
		t.Fatal("threshold not applied")
	}
}

func TestNMS(t *testing.T) {
	dets := []Detection{
		det(0, .6, bx(0, 0, 10, 10)), det(0, .9, bx(1, 1, 11, 11)), det(1, .8, bx(1, 1, 11, 11)), det(0, .7, bx(50, 50, 60, 60)),
	}
	got := NMS(append([]Detection(nil), dets...), 0.3, false)
	if len(got) != 3 || got[0].Score != .9 || got[1].Class != 1 {
		t.Fatalf("per class: %+v", got)
	}
	if got := NMS(append([]Detection(nil), dets...), 0.3, true); len(got) != 2 {
		t.Fatalf("agnostic: %+v", got)
	}
}

func TestLetterboxAndMapBack(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.SetRGBA(0, 0, color.RGBA{0, 0, 0, 255})
	buf := make([]float32, 3*64*64)
	f := Preprocess(img, 200, 100, 64, true, buf)
	if f.DY != 16 || f.DX != 0 || f.ScaleX != 0.32 {
		t.Fatalf("frame %+v", f)
	}
	if g := buf[0]; math.Abs(float64(g)-128.0/255) > 1e-6 {
		t.Fatalf("padding %v, want grey 128", g)
	}
	if v := buf[40*64+32]; v < 0.99 {
		t.Fatalf("image pixel %v", v)
	}
	if x, y := f.ToOriginal(32, 32); math.Abs(x-100) > 1e-9 || math.Abs(y-50) > 1e-9 {
		t.Fatalf("map back (%v,%v)", x, y)
	}
	// a half-size decode of the same picture maps the same way
	small := image.NewRGBA(image.Rect(0, 0, 100, 50))
	if f2 := Preprocess(small, 200, 100, 64, true, buf); f2 != f {
		t.Fatalf("%+v != %+v", f2, f)
	}
	f3 := Preprocess(img, 200, 100, 64, false, buf)
	if x, y := f3.ToOriginal(64, 64); x != 200 || y != 100 {
		t.Fatalf("plain resize maps (64,64) to (%v,%v)", x, y)
	}
}

// The grid NMS keeps exactly what the plain quadratic one keeps.
func TestNMSMatchesQuadratic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var dets []Detection
	for i := 0; i < 3000; i++ {
		x, y := rng.Float64()*400, rng.Float64()*400
		w, h := 5+rng.Float64()*120, 5+rng.Float64()*120
		dets = append(dets, det(rng.IntN(3), float32(rng.IntN(1000))/1000, bx(x, y, x+w, y+h)))
	}
	for _, agnostic := range []bool{false, true} {
		got := NMS(append([]Detection(nil), dets...), 0.3, agnostic)
		sorted := append([]Detection(nil), dets...)
		slices.SortStableFunc(sorted, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
		var want []Detection
		for _, d := range sorted {
			keep := true
			for _, k := range want {
				if (agnostic || k.Class == d.Class) && k.Box.IoU(d.Box) > 0.3 {
					keep = false
					break
				}
			}
			if keep {
				want = append(want, d)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("agnostic %v: kept %d, quadratic keeps %d", agnostic, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("agnostic %v: box %d differs", agnostic, i)
			}
		}
	}
}
