package pix

import (
	"bytes"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/pix/pixtest"
)

// jpegTol is how far a JPEG may decode from ImageMagick's libjpeg
// decode: nothing with the same libjpeg-turbo, a few levels with Go's
// decoder (another IDCT, chroma upsampled without smoothing).
func jpegTol() (int, float64) {
	if usesLibjpeg {
		return 1, 0.01
	}
	return 4, 0.6
}

func TestDecodeEveryVariant(t *testing.T) {
	dir := t.TempDir()
	src := pixtest.Photo(203, 151, 1) // odd sizes: partial MCUs
	for _, v := range pixtest.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			p, err := pixtest.Write(dir, src, v, "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(p)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want, err := pixtest.Reference(p)
			if err != nil {
				t.Fatal(err)
			}
			maxTol, meanTol := 1, 0.5 // 16-bit: high byte here, rounded there
			if v.Lossy {
				maxTol, meanTol = jpegTol()
			}
			switch v.Name {
			case "cmyk", "progressive-cmyk": // PIL's CMYK formula rounds its own way
				maxTol, meanTol = max(maxTol, 2), max(meanTol, 0.5)
			case "grey16", "rgb16":
				meanTol = 0.6
			}
			if m, mean := pixtest.Diff(got, want); m > maxTol || mean > meanTol {
				t.Fatalf("differs from ImageMagick's decode: max %d mean %.3f (tolerance %d, %.2f)", m, mean, maxTol, meanTol)
			}
			// and the picture is the source, within JPEG's loss
			ref := ToRGB(src)
			if strings.Contains(v.Name, "palette") || strings.Contains(v.Name, "grey") || v.Name == "mono" {
				return
			}
			if m, mean := pixtest.Diff(got, ref); mean > 8 {
				t.Fatalf("far from the source picture: max %d mean %.2f", m, mean)
			}
		})
	}
}

func TestUnusualSubsampling(t *testing.T) {
	// Y 2x1 with Cb 1x2: libjpeg-turbo reads it; TurboJPEG's header call
	// and Go's decoder refuse it
	dir := t.TempDir()
	p, err := pixtest.Write(dir, pixtest.Photo(64, 48, 2), pixtest.Variant{Name: "odd", Ext: ".jpg",
		Args: []string{"-interlace", "Plane", "-sampling-factor", "2x1,1x2,1x1"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode(p)
	if !usesLibjpeg {
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Fatalf("Go decoder: %v, want UnsupportedError", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransparentPixelsKeepTheirColour(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	for i := 0; i < 8; i++ {
		a := uint8(255)
		if i < 4 {
			a = 0 // first row fully transparent
		}
		img.SetNRGBA(i%4, i/4, color.NRGBA{200, 10, 60, a})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	got, err := DecodeBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{0, 0}, {3, 1}} {
		if c := got.RGBAAt(p.X, p.Y); c != (color.RGBA{200, 10, 60, 255}) {
			t.Fatalf("pixel %v = %v, want the stored colour 200,10,60 (PIL's convert('RGB'))", p, c)
		}
	}
}

func TestCMYKAsPIL(t *testing.T) {
	// values printed by Debian's python3-pil 9.4:
	// Image.new("CMYK",(1,1),(100,50,200,30)).convert("RGB")
	if r, g, b := CMYKToRGB(100, 50, 200, 30); [3]uint8{r, g, b} != [3]uint8{137, 181, 49} {
		t.Fatalf("got %d %d %d, want 137 181 49", r, g, b)
	}
}

func TestTruncatedAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	src := pixtest.Photo(160, 120, 3)
	jp, _ := pixtest.Write(dir, src, pixtest.Variant{Name: "j", Ext: ".jpg", Args: []string{"-quality", "90"}}, "")
	pj, _ := pixtest.Write(dir, src, pixtest.Variant{Name: "pj", Ext: ".jpg", Args: []string{"-interlace", "Plane"}}, "")
	pp, _ := pixtest.Write(dir, src, pixtest.Variant{Name: "p", Ext: ".png"}, "")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	j, prog, pn := read(jp), read(pj), read(pp)
	// a block of the scan overwritten, as a bad sector or a cut-and-
	// resumed copy leaves it
	damaged := append([]byte{}, j...)
	for i := len(j) / 2; i < len(j)/2+64; i++ {
		damaged[i] = 0xFF
	}
	badCRC := append([]byte{}, pn...)
	badCRC[len(pn)/2] ^= 0xFF
	cases := []struct {
		name      string
		data      []byte
		truncated bool
	}{
		{"jpeg cut at 60%", j[:len(j)*6/10], true},
		{"progressive jpeg cut at 60%", prog[:len(prog)*6/10], true},
		{"jpeg with damaged data", damaged, false},
		{"png cut at 60%", pn[:len(pn)*6/10], true},
		{"png with a bad checksum", badCRC, false},
	}
	for _, c := range cases {
		_, err := DecodeBytes(c.data)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v, want a CorruptError", c.name, err)
			continue
		}
		if c.truncated && !ce.Truncated {
			t.Errorf("%s: %v, not marked truncated", c.name, err)
		}
	}
	// a file named in the error
	p := filepath.Join(dir, "cut.jpg")
	os.WriteFile(p, j[:len(j)/2], 0o644)
	if _, err := Decode(p); err == nil || !bytes.Contains([]byte(err.Error()), []byte(p)) {
		t.Fatalf("error %v does not name %s", err, p)
	}
}

// setSOFSize rewrites a JPEG's frame header to claim w×h.
func setSOFSize(t *testing.T, j []byte, w, h int) []byte {
	out := append([]byte{}, j...)
	for i := 2; i+9 < len(out); {
		m := out[i+1]
		if m >= 0xC0 && m <= 0xC2 {
			out[i+5], out[i+6], out[i+7], out[i+8] = byte(h>>8), byte(h), byte(w>>8), byte(w)
			return out
		}
		i += 2 + int(out[i+2])<<8 + int(out[i+3])
	}
	t.Fatal("no SOF")
	return nil
}

func TestBombRefusedBeforeAllocating(t *testing.T) {
	dir := t.TempDir()
	jp, err := pixtest.Write(dir, pixtest.Photo(64, 64, 4), pixtest.Variant{Name: "j", Ext: ".jpg"}, "")
	if err != nil {
		t.Fatal(err)
	}
	j, _ := os.ReadFile(jp)
	bombJPEG := setSOFSize(t, j, 60000, 60000) // 3.6 GP: 14 GB as RGBA
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
	bombPNG := b.Bytes()
	// IHDR: width and height at 16..24, its CRC after
	copy(bombPNG[16:24], []byte{0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60})
	crc := crc32.ChecksumIEEE(bombPNG[12:29])
	bombPNG[29], bombPNG[30], bombPNG[31], bombPNG[32] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)

	for name, data := range map[string][]byte{"jpeg": bombJPEG, "png": bombPNG} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeBytes(data)
		runtime.ReadMemStats(&after)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Width != 60000 {
			t.Fatalf("%s: %v, want TooLargeError", name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Fatalf("%s: %d MB allocated before refusing", name, grew>>20)
		}
	}
	// a raised limit lets the header through (the data is then too short)
	SetMaxPixels(4_000_000_000)
	defer SetMaxPixels(0)
	if _, err := DecodeBytes(bombPNG); errors.As(err, new(*TooLargeError)) {
		t.Fatalf("raised limit still refused: %v", err)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := DecodeBytes([]byte("GIF89a......")); err != ErrUnknownFormat {
		t.Fatalf("gif: %v", err)
	}
	// an empty file is called that, as the dataset check calls it
	if _, err := DecodeBytes(nil); err != ErrEmpty {
		t.Fatalf("empty: %v", err)
	}
}
