package pix

import (
	"bytes"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/labelloop/labelloop/internal/pix/pixtest"
)

// floatResize is the antialiased bicubic written plainly, in float64 and
// without Pillow's fixed point or its 8-bit intermediate: an independent
// check of the weights, their support and the pixel-centre alignment.
func floatResize(src *image.RGBA, nw, nh int) [][3]float64 {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	weights := func(in, out, o int) (int, []float64) {
		scale := float64(in) / float64(out)
		fs := math.Max(scale, 1)
		c := (float64(o) + 0.5) * scale
		lo, hi := int(math.Max(0, math.Floor(c-2*fs+0.5))), int(math.Min(float64(in), math.Floor(c+2*fs+0.5)))
		var w []float64
		sum := 0.0
		for i := lo; i < hi; i++ {
			v := bicubic((float64(i) + 0.5 - c) / fs)
			w = append(w, v)
			sum += v
		}
		for i := range w {
			w[i] /= sum
		}
		return lo, w
	}
	// across, rounded and clamped to 8 bits as Pillow stores its first pass
	mid := make([][3]float64, nw*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < nw; x++ {
			x0, wx := weights(sw, nw, x)
			for c := 0; c < 3; c++ {
				acc := 0.0
				for i, b := range wx {
					acc += b * float64(src.Pix[src.PixOffset(x0+i, y)+c])
				}
				mid[y*nw+x][c] = math.Max(0, math.Min(255, math.Round(acc)))
			}
		}
	}
	out := make([][3]float64, nw*nh)
	for y := 0; y < nh; y++ {
		y0, wy := weights(sh, nh, y)
		for x := 0; x < nw; x++ {
			for c := 0; c < 3; c++ {
				for j, a := range wy {
					out[y*nw+x][c] += a * mid[(y0+j)*nw+x][c]
				}
			}
		}
	}
	return out
}

func TestResizeIsTheAntialiasedBicubic(t *testing.T) {
	src := ToRGB(pixtest.Photo(157, 101, 5))
	for _, sz := range [][2]int{{40, 26}, {17, 93}, {157, 50}, {300, 190}, {20, 101}} {
		got := Resize(src, sz[0], sz[1])
		want := floatResize(src, sz[0], sz[1])
		for i, w := range want {
			for c := 0; c < 3; c++ {
				// fixed-point weights there, float64 here: the first pass's
				// half-level rounding comes through the cubic's lobes
				v := float64(got.Pix[4*i+c])
				if d := math.Abs(v - math.Max(0, math.Min(255, w[c]))); d > 1.5 {
					t.Fatalf("%v: pixel %d channel %d = %v, want %.2f", sz, i, c, v, w[c])
				}
			}
		}
	}
}

func TestResizeAveragesWhenShrinking(t *testing.T) {
	// one-pixel black and white stripes shrunk 8x: an antialiased resize
	// gives even grey; point sampling (what the old bilinear letterbox
	// did) gives black or white
	src := image.NewRGBA(image.Rect(0, 0, 800, 80))
	for i := range src.Pix {
		if (i/4)%2 == 0 || i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	got := Resize(src, 100, 10)
	for i := 0; i < len(got.Pix); i += 4 {
		if v := got.Pix[i]; v < 120 || v > 135 {
			t.Fatalf("pixel %d = %d, want about 127", i/4, v)
		}
	}
}

func TestResizeRectIsACrop(t *testing.T) {
	src := ToRGB(pixtest.Photo(211, 97, 6))
	for _, sz := range [][2]int{{83, 40}, {400, 190}, {211, 50}, {60, 97}, {211, 97}} {
		full := Resize(src, sz[0], sz[1])
		for _, r := range []image.Rectangle{image.Rect(0, 0, sz[0], sz[1]), image.Rect(3, 5, sz[0]/2, sz[1]-2), image.Rect(sz[0]-1, 0, sz[0], 1), image.Rect(-5, -5, 7, 9)} {
			part := ResizeRect(src, sz[0], sz[1], r)
			r = part.Rect
			for y := r.Min.Y; y < r.Max.Y; y++ {
				a := full.Pix[full.PixOffset(r.Min.X, y):full.PixOffset(r.Max.X, y)]
				b := part.Pix[part.PixOffset(r.Min.X, y):part.PixOffset(r.Max.X, y)]
				if !bytes.Equal(a, b) {
					t.Fatalf("%v %v: row %d differs from the full resize", sz, r, y)
				}
			}
		}
	}
}

// TestResizeEqualsPillow runs Debian's python3-pil (make bench installs
// it) on the same pixels: the bytes must be the same.
func TestResizeEqualsPillow(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import PIL").Run() != nil {
		t.Skip("python3-pil not installed (make bench-deps installs it)")
	}
	dir := t.TempDir()
	src := ToRGB(pixtest.Photo(333, 251, 7))
	raw := filepath.Join(dir, "src.rgb")
	var b bytes.Buffer
	for i := 0; i < len(src.Pix); i += 4 {
		b.Write(src.Pix[i : i+3])
	}
	os.WriteFile(raw, b.Bytes(), 0o644)
	for _, sz := range [][2]int{{416, 313}, {160, 120}, {41, 30}, {333, 100}, {700, 251}, {13, 250}} {
		out, err := exec.Command("/usr/bin/python3", "-c", `
import sys
from PIL import Image
im = Image.frombytes("RGB", (333, 251), open(sys.argv[1], "rb").read())
sys.stdout.buffer.write(im.resize((int(sys.argv[2]), int(sys.argv[3])), Image.BICUBIC).tobytes())
`, raw, strconv.Itoa(sz[0]), strconv.Itoa(sz[1])).Output()
		if err != nil {
			t.Fatal(err)
		}
		got := Resize(src, sz[0], sz[1])
		for i := 0; i < sz[0]*sz[1]; i++ {
			if !bytes.Equal(got.Pix[4*i:4*i+3], out[3*i:3*i+3]) {
				t.Fatalf("%v: pixel %d = %v, Pillow %v", sz, i, got.Pix[4*i:4*i+3], out[3*i:3*i+3])
			}
		}
	}
}

// Reduce never makes a side of nothing: a strip of a picture keeps its
// one row (a zero-high picture cannot be shown or saved).
func TestReduceKeepsThinPictures(t *testing.T) {
	for _, c := range []struct{ w, h, min, ow, oh int }{
		{6000, 1, 1000, 6000, 1}, {6000, 4, 1000, 1500, 1}, {1, 5000, 2048, 1, 5000}, {4000, 3000, 1000, 1000, 750}, {800, 600, 1000, 800, 600},
	} {
		got := Reduce(image.NewRGBA(image.Rect(0, 0, c.w, c.h)), c.min).Bounds()
		if got.Dx() != c.ow || got.Dy() != c.oh {
			t.Errorf("%dx%d for %d: %v, want %dx%d", c.w, c.h, c.min, got, c.ow, c.oh)
		}
	}
}
