package detect

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
	f, _ := Preprocess(img, 200, 100, 64, true, buf)
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
	if f2, _ := Preprocess(small, 200, 100, 64, true, buf); f2 != f {
		t.Fatalf("%+v != %+v", f2, f)
	}
	f3, _ := Preprocess(img, 200, 100, 64, false, buf)
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

// Only the letterbox's bands are painted grey: a pooled buffer that held
// another picture must come out as a fresh one does, whichever way the
// picture is padded.
func TestLetterboxReusedBuffer(t *testing.T) {
	for _, sz := range []image.Point{{200, 100}, {100, 200}, {150, 150}, {333, 101}} {
		img := image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y))
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 31)
		}
		fresh := make([]float32, 3*64*64)
		Preprocess(img, sz.X, sz.Y, 64, true, fresh)
		used := make([]float32, 3*64*64)
		for i := range used {
			used[i] = float32(math.NaN())
		}
		Preprocess(img, sz.X, sz.Y, 64, true, used)
		for i := range fresh {
			if fresh[i] != used[i] {
				t.Fatalf("%v: value %d is %v in a reused buffer, %v in a fresh one", sz, i, used[i], fresh[i])
			}
		}
		grey := 0
		for _, v := range fresh {
			if v == 128.0/255 {
				grey++
			}
		}
		if sz.X != sz.Y && grey == 0 {
			t.Fatalf("%v: no grey band", sz)
		}
	}
}

// Decode (class planes read one after another, objectness screened by its
// logit) finds what scoring every cell of every anchor the plain way
// finds, in a batch of two with random outputs.
func TestDecodeMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nc, size, batch := 4, 128, 2
	var outs []Output
	for k := 0; k < 3; k++ {
		w := size / model.Strides[k]
		d := make([]float32, batch*3*(5+nc)*w*w)
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 2)
		}
		outs = append(outs, Output{Shape: []int64{int64(batch), int64(3 * (5 + nc)), int64(w), int64(w)}, Data: d})
	}
	for b := 0; b < batch; b++ {
		var want []Detection
		for k, o := range outs {
			w := int(o.Shape[3])
			plane, stride := w*w, float64(size)/float64(w)
			for a := 0; a < 3; a++ {
				an := model.DefaultAnchors[model.AnchorMask[k][a]]
				at := func(c, cell int) float32 { return o.Data[((b*3+a)*(5+nc)+c)*plane+cell] }
				for cell := 0; cell < plane; cell++ {
					best, bestS := 0, float32(-1)
					for c := 0; c < nc; c++ {
						if s := sigmoid(at(4, cell)) * sigmoid(at(5+c, cell)); s > bestS {
							best, bestS = c, s
						}
					}
					if bestS < 0.5 {
						continue
					}
					cx := (float64(sigmoid(at(0, cell))) + float64(cell%w)) * stride
					cy := (float64(sigmoid(at(1, cell))) + float64(cell/w)) * stride
					bw, bh := math.Exp(float64(at(2, cell)))*an[0], math.Exp(float64(at(3, cell)))*an[1]
					want = append(want, det(best, bestS, bx(cx-bw/2, cy-bh/2, cx+bw/2, cy+bh/2)))
				}
			}
		}
		got := Decode(outs, b, nc, size, model.DefaultAnchors, 0.5)
		if len(want) < 10 || len(got) != len(want) {
			t.Fatalf("image %d: %d boxes, the plain way %d", b, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("image %d, box %d: %+v, the plain way %+v", b, i, got[i], want[i])
			}
		}
	}
}
