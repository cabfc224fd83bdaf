package imgload

import (
	"bytes"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
)

func writeJPEG(t testing.TB, path string, w, h int) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadScalesForDisplay(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.jpg")
	writeJPEG(t, p, 2000, 1000)
	pic, err := Load(p, 500)
	if err != nil {
		t.Fatal(err)
	}
	b := pic.Img.Bounds()
	if pic.W != 2000 || pic.H != 1000 || b.Dx() < 500 || b.Dx() > 1000 || b.Dx()*1000 != b.Dy()*2000 {
		t.Fatalf("got %dx%d from %dx%d", b.Dx(), b.Dy(), pic.W, pic.H)
	}
	full, _ := Load(p, 0)
	if full.Img.Bounds().Dx() != 2000 || full.Scale() != 1 {
		t.Fatalf("full size %v", full.Img.Bounds())
	}
	// the decoded colours are the image's (R follows x)
	r, _, _, _ := full.Img.At(100, 5).RGBA()
	if r>>8 < 90 || r>>8 > 110 {
		t.Fatalf("pixel red %d, want ~100", r>>8)
	}

	q := filepath.Join(dir, "b.png")
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 900, 300)))
	os.WriteFile(q, buf.Bytes(), 0o644)
	pic, err = Load(q, 300)
	if err != nil || pic.W != 900 || pic.Img.Bounds().Dx() != 300 {
		t.Fatalf("png: %v %+v", err, pic)
	}

	bad := filepath.Join(dir, "bad.jpg")
	os.WriteFile(bad, []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}, 0o644)
	if _, err := Load(bad, 100); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("corrupt jpeg: %v", err)
	}
}

func TestCacheSharesLoadsAndEvicts(t *testing.T) {
	var loads atomic.Int32
	c := NewCache(2, 0)
	c.load = func(p string, _ int) (*Picture, error) {
		loads.Add(1)
		return &Picture{Path: p, W: 1, H: 1, Img: image.NewRGBA(image.Rect(0, 0, 1, 1))}, nil
	}
	c.Prefetch("a", "a", "b")
	if p, _ := c.Get("a"); p.Path != "a" {
		t.Fatal(p.Path)
	}
	c.Get("b")
	if n := loads.Load(); n != 2 {
		t.Fatalf("%d loads for two paths", n)
	}
	c.Get("c") // evicts the least recently used: a
	if c.Cached("a") || !c.Cached("b") || !c.Cached("c") {
		t.Fatal("eviction order")
	}
	c.Forget("b")
	if c.Cached("b") {
		t.Fatal("forget")
	}
}

// The editor refuses a decompression bomb before allocating, naming it.
func TestLoadRefusesBombs(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
	d := b.Bytes()
	copy(d[16:24], []byte{0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60}) // 60000×60000
	crc := crc32.ChecksumIEEE(d[12:29])
	d[29], d[30], d[31], d[32] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
	p := filepath.Join(t.TempDir(), "bomb.png")
	os.WriteFile(p, d, 0o644)
	_, err := Load(p, 800)
	var tl *pix.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v, want a TooLargeError naming %s", err, p)
	}
}

// With the screen's size known, the cache decodes for it (a JPEG at the
// DCT eighth that reaches it, a PNG brought down to it as Screen), and
// Detail decodes for the zoomed-in view.
func TestCacheDecodesForTheScreen(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.jpg")
	writeJPEG(t, photo, 1600, 1200)
	flat := filepath.Join(dir, "flat.png")
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1600, 1200)))
	os.WriteFile(flat, buf.Bytes(), 0o644)
	wide := filepath.Join(dir, "wide.png")
	buf.Reset()
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1300, 500)))
	os.WriteFile(wide, buf.Bytes(), 0o644)

	c := NewCache(4, 2048)
	c.ScreenSide.Store(700)
	for _, tc := range []struct {
		path          string
		w, img, shown int // long sides stored, of Img, of what is shown
	}{
		{photo, 1600, 800, 800}, // 4/8: the smallest eighth that reaches 700
		{flat, 1600, 800, 800},  // no DCT: decoded whole, subsampled by 2
		{wide, 1300, 1300, 700}, // under twice the side: a screen copy
	} {
		pic, err := c.Get(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		shown := pic.Img
		if pic.Screen != nil {
			shown = pic.Screen
		}
		if pic.W != tc.w || pic.Img.Bounds().Dx() != tc.img || shown.Bounds().Dx() != tc.shown {
			t.Errorf("%s: stored %dx%d, decoded %v, shown %v; want long sides %d and %d",
				filepath.Base(tc.path), pic.W, pic.H, pic.Img.Bounds().Size(), shown.Bounds().Size(), tc.img, tc.shown)
		}
		d, err := c.Detail(tc.path)
		if err != nil || d.Img.Bounds().Dx() != pic.W {
			t.Errorf("%s: detail %v, %v; want the whole %d px", filepath.Base(tc.path), d, err, pic.W)
		}
	}
	// the photo's colours survive the scaled decode (R follows x, G y)
	pic, _ := c.Get(photo)
	if r, g, _, _ := pic.Img.At(50, 50).RGBA(); r>>8 < 90 || r>>8 > 110 || g>>8 < 90 || g>>8 > 110 {
		t.Errorf("pixel (50,50) of the half-size decode is %d,%d; want about 100,100", r>>8, g>>8)
	}
}
