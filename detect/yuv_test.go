package detect

import (
	"image"
	"math"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/voc"
)

// Boxes and tags drawn into the planes show where DrawOn would put them.
func TestDrawOnYUV(t *testing.T) {
	f := NewYUVFrame(64, 48)
	for i := range f.Y {
		f.Y[i] = 16 // black
	}
	for i := range f.U {
		f.U[i], f.V[i] = 128, 128
	}
	DrawOnYUV(f, 64, 48, []Detection{{Class: 0, Score: 0.9, Box: voc.Box{Xmin: 10, Ymin: 20, Xmax: 40, Ymax: 40}}}, []string{"a"})
	want := drawPalette[0]
	edge := f.At(10, 30)
	r, g, b, _ := edge.RGBA()
	if math.Abs(float64(r>>8)-float64(want.R)) > 8 || math.Abs(float64(g>>8)-float64(want.G)) > 8 || math.Abs(float64(b>>8)-float64(want.B)) > 8 {
		t.Fatalf("box edge %v, want about %v", edge, want)
	}
	if inside := f.Y[30*64+25]; inside != 16 {
		t.Fatalf("inside the box changed: %d", inside)
	}
	if f.Bounds() != image.Rect(0, 0, 64, 48) {
		t.Fatal(f.Bounds())
	}
}

// crowd is the fixture model's worst case: 504 labelled boxes on a 720p
// frame.
func crowd() []Detection {
	dets := make([]Detection, 504)
	for i := range dets {
		x, y := float64(i*37%1200), float64(i*53%680)
		dets[i] = Detection{Class: i % 20, Score: float32(50+i%50) / 100, Box: voc.Box{Xmin: x, Ymin: y, Xmax: x + 20 + float64(i%60), Ymax: y + 15 + float64(i%40)}}
	}
	return dets
}

// Drawing with converted tags kept against converting every tag each
// frame (the cache emptied before each draw).
func BenchmarkDrawOnYUV504(b *testing.B) {
	f := NewYUVFrame(1280, 720)
	dets, classes := crowd(), strings.Split("a b c d e f g h i j k l m n o p q r s t", " ")
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			DrawOnYUV(f, 1280, 720, dets, classes)
		}
	})
	b.Run("converting", func(b *testing.B) {
		for b.Loop() {
			yuvTags.mu.Lock()
			clear(yuvTags.m)
			yuvTags.mu.Unlock()
			DrawOnYUV(f, 1280, 720, dets, classes)
		}
	})
}

// A cached tag pastes exactly what converting its patch in place gives, at
// even and odd positions and clipped at the frame's edges.
func TestPasteTagMatchesConversion(t *testing.T) {
	c := drawPalette[3]
	patch := tagPatch("person 0.87", c)
	tg := yuvTags.get("person 0.87", c)
	for _, p := range []image.Point{{0, 0}, {7, 3}, {10, 4}, {55, 41}, {58, 40}} {
		a, b := NewYUVFrame(64, 48), NewYUVFrame(64, 48)
		a.pasteTag(tg, p)
		// the reference: every pixel converted where it lands
		cw := b.W / 2
		dst := patch.Bounds().Add(p).Intersect(b.Bounds())
		for j := dst.Min.Y; j < dst.Max.Y; j++ {
			for i := dst.Min.X; i < dst.Max.X; i++ {
				o := patch.PixOffset(i-p.X, j-p.Y)
				y, u, v := rgbToYUV(float32(patch.Pix[o]), float32(patch.Pix[o+1]), float32(patch.Pix[o+2]))
				b.Y[j*b.W+i] = y
				if i%2 == 0 && j%2 == 0 {
					b.U[(j/2)*cw+i/2], b.V[(j/2)*cw+i/2] = u, v
				}
			}
		}
		if string(a.Buf) != string(b.Buf) {
			t.Fatalf("at %v the pasted tag differs from converting it there", p)
		}
	}
}
