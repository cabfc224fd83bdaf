// Package pixtest makes the pictures the image pipeline's tests read: a
// photo-like picture, and the ways cameras, phones, editors and the web
// store one (ImageMagick's convert writes each variant).
package pixtest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
)

// Photo is a w×h picture with what photos have and flat test patterns
// lack: smooth shading, hard coloured edges, fine texture and sensor
// noise. The same seed gives the same picture.
func Photo(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	type disc struct {
		x, y, rad float64
		c         [3]float64
	}
	discs := make([]disc, 6)
	for i := range discs {
		discs[i] = disc{r.Float64() * float64(w), r.Float64() * float64(h), (0.05 + 0.2*r.Float64()) * float64(min(w, h)),
			[3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			c := [3]float64{60 + 150*fx, 80 + 100*fy, 170 - 120*fx*fy}
			for _, d := range discs {
				if math.Hypot(float64(x)-d.x, float64(y)-d.y) < d.rad {
					c = d.c
				}
			}
			tex := 18 * math.Sin(float64(x)*0.9) * math.Sin(float64(y)*0.7)
			i := img.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				img.Pix[i+k] = uint8(max(0, min(255, c[k]+tex+r.NormFloat64()*6)))
			}
			img.Pix[i+3] = 255
		}
	}
	return img
}

// Variant is one way of storing a picture.
type Variant struct {
	Name string
	Ext  string
	Args []string // convert's options between the source and the output
	// Edit changes the written file's bytes (EXIF, ICC, restart markers
	// that convert does not write).
	Edit func([]byte) []byte
	// Lossy variants differ from the source by JPEG's error.
	Lossy bool
}

// Variants are the JPEG, PNG and BMP kinds a real dataset holds.
func Variants() []Variant {
	var v []Variant
	for _, s := range []string{"4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1"} {
		v = append(v,
			Variant{Name: "baseline-" + s, Ext: ".jpg", Args: []string{"-sampling-factor", s, "-quality", "90"}, Lossy: true},
			Variant{Name: "progressive-" + s, Ext: ".jpg", Args: []string{"-interlace", "Plane", "-sampling-factor", s, "-quality", "90"}, Lossy: true})
	}
	v = append(v,
		Variant{Name: "grey", Ext: ".jpg", Args: []string{"-colorspace", "Gray", "-quality", "90"}, Lossy: true},
		Variant{Name: "progressive-grey", Ext: ".jpg", Args: []string{"-colorspace", "Gray", "-interlace", "Plane"}, Lossy: true},
		Variant{Name: "cmyk", Ext: ".jpg", Args: []string{"-colorspace", "CMYK", "-quality", "92"}, Lossy: true},
		Variant{Name: "progressive-cmyk", Ext: ".jpg", Args: []string{"-colorspace", "CMYK", "-interlace", "Plane"}, Lossy: true},
		Variant{Name: "restart", Ext: ".jpg", Args: []string{"-define", "jpeg:restart-interval=2"}, Lossy: true},
		Variant{Name: "exif-icc", Ext: ".jpg", Args: []string{"-quality", "85"}, Edit: WithExifICC, Lossy: true},
		Variant{Name: "rgb8", Ext: ".png"},
		Variant{Name: "rgb16", Ext: ".png", Args: []string{"-depth", "16"}},
		Variant{Name: "palette", Ext: ".png", Args: []string{"-dither", "None", "-colors", "200", "-type", "Palette"}},
		Variant{Name: "grey8", Ext: ".png", Args: []string{"-colorspace", "Gray", "-type", "Grayscale"}},
		Variant{Name: "grey16", Ext: ".png", Args: []string{"-colorspace", "Gray", "-type", "Grayscale", "-depth", "16"}},
		Variant{Name: "alpha", Ext: ".png", Args: []string{"-alpha", "on", "-channel", "A", "-fx", "i<w/3?0:1", "+channel", "-define", "png:color-type=6"}},
		Variant{Name: "grey-alpha", Ext: ".png", Args: []string{"-colorspace", "Gray", "-alpha", "on", "-channel", "A", "-fx", "j<h/3?0.5:1", "+channel", "-define", "png:color-type=4"}},
		Variant{Name: "interlaced", Ext: ".png", Args: []string{"-interlace", "PNG"}},
		Variant{Name: "rgb24", Ext: ".bmp", Args: []string{"-type", "TrueColor"}},
		Variant{Name: "rgb32", Ext: ".bmp", Args: []string{"-alpha", "on", "-type", "TrueColorAlpha"}},
		Variant{Name: "palette8-rle", Ext: ".bmp", Args: []string{"-dither", "None", "-colors", "200", "-type", "Palette"}},
		Variant{Name: "palette8", Ext: ".bmp", Args: []string{"-dither", "None", "-colors", "200", "-type", "Palette", "-compress", "None"}},
		Variant{Name: "palette4", Ext: ".bmp", Args: []string{"-dither", "None", "-colors", "16", "-type", "Palette"}},
		Variant{Name: "mono", Ext: ".bmp", Args: []string{"-monochrome"}},
	)
	return v
}

// Write stores src as v in dir (as NAME.EXT, or name if not empty) and
// returns the path.
func Write(dir string, src image.Image, v Variant, name string) (string, error) {
	if name == "" {
		name = v.Name
	}
	in := filepath.Join(dir, ".src-"+name+".png")
	var b bytes.Buffer
	if err := png.Encode(&b, src); err != nil {
		return "", err
	}
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		return "", err
	}
	defer os.Remove(in)
	out := filepath.Join(dir, name+v.Ext)
	prefix := ""
	if v.Ext == ".bmp" && v.Name != "rgb32" {
		prefix = "BMP3:" // the classic header most tools write
	}
	args := append(append([]string{in}, v.Args...), prefix+out)
	if msg, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("convert %v: %v: %s (ImageMagick is one of make setup's packages)", args, err, msg)
	}
	if v.Edit != nil {
		data, err := os.ReadFile(out)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(out, v.Edit(data), 0o644); err != nil {
			return "", err
		}
	}
	return out, nil
}

// Reference is the picture's pixels as ImageMagick reads them back
// (8-bit RGB, alpha dropped, transparent pixels keeping their colour):
// an independent decoder to compare with.
func Reference(path string) (*image.RGBA, error) {
	cfg, err := exec.Command("identify", "-format", "%w %h", path+"[0]").Output()
	if err != nil {
		return nil, fmt.Errorf("identify %s: %v", path, err)
	}
	var w, h int
	if _, err := fmt.Sscan(string(cfg), &w, &h); err != nil {
		return nil, err
	}
	raw, err := exec.Command("convert", path, "-alpha", "off", "-colorspace", "sRGB", "-depth", "8", "rgb:-").Output()
	if err != nil {
		return nil, fmt.Errorf("convert %s: %v", path, err)
	}
	if len(raw) != 3*w*h {
		return nil, fmt.Errorf("%s: %d bytes for %dx%d", path, len(raw), w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], raw[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img, nil
}

// WithExifICC adds what phone photos carry after the SOI marker: an EXIF
// block saying "rotate 90° CW" (orientation 6, which the pipeline does
// not apply) and an ICC profile block.
func WithExifICC(jpg []byte) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	exif := append([]byte("Exif\x00\x00"), tiff...)
	icc := append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{0x42}, 300)...)
	seg := func(marker byte, p []byte) []byte {
		n := len(p) + 2
		return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, p...)
	}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(0xE1, exif)...)
	out = append(out, seg(0xE2, icc)...)
	return append(out, jpg[2:]...)
}

// Diff is the largest and the mean absolute difference over R, G and B.
func Diff(a, b *image.RGBA) (maxd int, mean float64) {
	if a.Rect.Size() != b.Rect.Size() {
		return 256, 256
	}
	var sum, n int
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		ra, rb := a.Pix[y*a.Stride:], b.Pix[y*b.Stride:]
		for x := 0; x < 4*w; x++ {
			if x%4 == 3 {
				continue
			}
			d := int(ra[x]) - int(rb[x])
			if d < 0 {
				d = -d
			}
			maxd = max(maxd, d)
			sum += d
			n++
		}
	}
	return maxd, float64(sum) / float64(n)
}
