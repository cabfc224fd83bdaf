package detect

import (
	"image"
	"image/color"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/pix/pixtest"
	"github.com/labelloop/labelloop/voc"
)

// The network's input is the seed's: the picture resized by PIL's
// BICUBIC (pix.Resize, byte for byte), divided by 255 in float32, on
// grey 128, in two halves as Preprocess runs them.
func TestPreprocessIsTheSeedsResize(t *testing.T) {
	for _, sz := range [][2]int{{640, 427}, {300, 500}, {100, 80}, {1000, 1000}} {
		src := pix.ToRGB(pixtest.Photo(sz[0], sz[1], 9))
		const size = 416
		buf := make([]float32, 3*size*size)
		f, err := Preprocess(src, sz[0], sz[1], size, true, buf)
		if err != nil {
			t.Fatal(err)
		}
		nw, nh := int(float64(sz[0])*f.ScaleX+0.5), int(float64(sz[1])*f.ScaleY+0.5)
		want := pix.Resize(src, nw, nh)
		for c := 0; c < 3; c++ {
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					w := float32(128) / 255
					if ix, iy := x-int(f.DX), y-int(f.DY); ix >= 0 && iy >= 0 && ix < nw && iy < nh {
						w = float32(want.Pix[want.PixOffset(ix, iy)+c]) / 255
					}
					if g := buf[c*size*size+y*size+x]; g != w {
						t.Fatalf("%v: (%d,%d) channel %d = %v, want %v", sz, x, y, c, g, w)
					}
				}
			}
		}
	}
}

// Shrinking averages: one-pixel stripes come out even grey, where the
// bilinear letterbox this replaced sampled two pixels and gave anything
// from black to white.
func TestPreprocessAntialiases(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 1601, 800))
	for i := range src.Pix {
		if (i/4)%2 == 0 || i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	buf := make([]float32, 3*416*416)
	f, err := Preprocess(src, 1601, 800, 416, true, buf)
	if err != nil {
		t.Fatal(err)
	}
	for y := int(f.DY) + 2; y < int(f.DY)+200; y++ {
		for x := 2; x < 414; x++ {
			if v := buf[y*416+x]; v < 0.45 || v > 0.55 {
				t.Fatalf("(%d,%d) = %.3f, want about 0.5", x, y, v)
			}
		}
	}
}

// A transparent pixel keeps its stored colour, as PIL's convert("RGB")
// keeps it; premultiplying made it black.
func TestPreprocessKeepsTransparentColour(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.SetNRGBA(x, y, color.NRGBA{200, 10, 60, uint8(x % 2 * 255)})
		}
	}
	buf := make([]float32, 3*64*64)
	if _, err := Preprocess(img, 64, 64, 64, true, buf); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{200, 10, 60} {
		if g := buf[i*64*64+10*64+10]; g != want/255 {
			t.Fatalf("channel %d = %v, want %v", i, g*255, want)
		}
	}
}

// Boxes come back inside the picture and never inverted, whatever the
// network says: in a letterbox band, past an edge, or larger than the
// picture. Those with less than a pixel inside it are dropped.
func TestBoxesClippedNeverInverted(t *testing.T) {
	f := Frame{OrigW: 200, OrigH: 100, ScaleX: 0.32, ScaleY: 0.32, DX: 0, DY: 16} // 200×100 in 64×64
	box := func(x1, y1, x2, y2 float64) Detection {
		return Detection{Box: voc.Box{Xmin: x1, Ymin: y1, Xmax: x2, Ymax: y2}, Score: 0.9}
	}
	dets := []Detection{
		box(10, 20, 30, 40),   // inside
		box(-5, 10, 20, 60),   // over the left edge and into the top band
		box(50, 40, 90, 70),   // past the right and bottom edges
		box(10, 1, 30, 12),    // wholly in the top band
		box(20, 52, 40, 63),   // wholly in the bottom band
		box(-30, -30, 99, 99), // larger than the input
		box(10, 15, 30, 16.2), // a sliver of 0.6 px left inside (seen: "(10, 417)–(89, 417)")
	}
	got := ToOriginal(dets, f)
	if len(got) != 4 {
		t.Fatalf("%d boxes kept, want 4 (two lie in the bands, one leaves under a pixel): %+v", len(got), got)
	}
	for _, d := range got {
		b := d.Box
		if b.Xmin < 0 || b.Ymin < 0 || b.Xmax > 200 || b.Ymax > 100 || b.Xmin >= b.Xmax || b.Ymin >= b.Ymax {
			t.Fatalf("box %+v outside the 200x100 picture or inverted", b)
		}
	}
	if b := got[3].Box; b != (voc.Box{Xmin: 0, Ymin: 0, Xmax: 200, Ymax: 100}) {
		t.Fatalf("the oversized box is %+v, want the whole picture", b)
	}
}
