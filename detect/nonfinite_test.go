package detect

import (
	"image"
	"math"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// heads makes the three raw outputs of a 64-pixel, nc-class model, every
// value v.
func heads(nc int, v float32) []Output {
	var outs []Output
	for k := 0; k < 3; k++ {
		w := 64 / model.Strides[k]
		d := make([]float32, 3*(5+nc)*w*w)
		for i := range d {
			d[i] = v
		}
		outs = append(outs, Output{Shape: []int64{1, int64(3 * (5 + nc)), int64(w), int64(w)}, Data: d})
	}
	return outs
}

// A model whose weights are NaN gives NaN heads: decode and NMS skip every
// non-finite value instead of panicking in the NMS grid (NaN objectness
// passed the !(v < objMin) screen, and a NaN box indexed the grid).
func TestDecodeAndNMSSkipNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, v := range []float32{nan, inf, -inf} {
		for _, conf := range []float32{0.5, 0.001, 0} {
			dets := NMS(Decode(heads(2, v), 0, 2, 64, model.DefaultAnchors, conf), 0.3, false)
			for _, d := range dets {
				if !finite(d) {
					t.Fatalf("value %v, conf %v: kept %+v", v, conf, d)
				}
			}
		}
	}
	// confident cells whose box, class or objectness is not finite
	outs := heads(2, -10)
	o := outs[1] // stride 16, 4×4
	plane := 16
	for cell, bad := range []struct{ ch int }{{0}, {2}, {3}, {4}, {5}} {
		for c := 0; c < 7; c++ {
			o.Data[c*plane+cell] = 10
		}
		o.Data[bad.ch*plane+cell] = nan
		if bad.ch == 2 {
			o.Data[bad.ch*plane+cell] = 1e30 // exp overflows to +Inf
		}
	}
	o.Data[6*plane+4] = -10 // cell 4: class 0 NaN, class 1 unlikely
	dets := Decode(outs, 0, 2, 64, model.DefaultAnchors, 0.5)
	for _, d := range dets {
		if !finite(d) {
			t.Fatalf("decoded %+v", d)
		}
	}
	if len(dets) != 0 {
		t.Fatalf("%d detections from non-finite cells: %+v", len(dets), dets)
	}
	// NMS on its own drops what is not finite and keeps the rest
	in := []Detection{det(0, .9, bx(0, 0, 10, 10)), det(0, nan, bx(0, 0, 10, 10)), det(0, .8, bx(math.NaN(), 0, 10, 10)),
		det(0, .7, bx(0, 0, math.Inf(1), 10)), det(0, .6, bx(50, 50, 60, 60))}
	got := NMS(in, 0.3, false)
	if len(got) != 2 || got[0].Score != .9 || got[1].Score != .6 {
		t.Fatalf("%+v", got)
	}
	// a head whose shape does not match the class count is skipped, not indexed
	wrong := heads(3, 10)
	if d := Decode(wrong, 0, 2, 64, model.DefaultAnchors, 0.5); len(d) != 0 {
		t.Fatalf("decoded %d boxes from heads of another shape", len(d))
	}
	short := heads(2, 10)
	short[0].Data = short[0].Data[:5]
	Decode(short, 0, 2, 64, model.DefaultAnchors, 0.5)
	Decode(heads(2, 10), 1, 2, 64, model.DefaultAnchors, 0.5) // image 1 of a batch of 1
}

// A size from a hostile file (input_size 2^40) or a buffer too small is an
// error, not a slice out of range; so is a picture with no pixels.
func TestPreprocessRefusesBadSizes(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	buf := make([]float32, 3*64*64)
	for _, c := range []struct {
		img        image.Image
		w, h, size int
		dst        []float32
		want       string
	}{
		{img, 40, 30, 1 << 40, buf, "input size"},
		{img, 40, 30, 1 << 31, buf, "input size"},
		{img, 40, 30, 2048, buf, "input size"},
		{img, 40, 30, 96, buf, "input buffer"},
		{img, 0, 30, 64, buf, "picture of 0×30"},
		{image.NewRGBA(image.Rect(0, 0, 0, 0)), 40, 30, 64, buf, "picture of 0×0"},
		{&YUVFrame{W: 40, H: 30, Y: make([]byte, 10)}, 40, 30, 64, buf, "video frame"},
	} {
		if _, err := Preprocess(c.img, c.w, c.h, c.size, true, c.dst); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("size %d, %d×%d: %v, want %q", c.size, c.w, c.h, err, c.want)
		}
	}
	if f, err := Preprocess(img, 40, 30, 64, true, buf); err != nil || f.ScaleX != 1.6 {
		t.Fatalf("%v %+v", err, f)
	}
}
