// Package imgload decodes images for display, fast: large photos come out
// downscaled (JPEGs straight from the DCT, so a 24 MP photo never exists
// at full size in memory), and a small cache with prefetch keeps the next
// and previous images ready. Decoding is internal/pix's, as everywhere,
// so the editor opens exactly the files training reads.
package imgload

import (
	"fmt"
	"image"
	"os"

	xdraw "golang.org/x/image/draw"

	"github.com/labelloop/labelloop/internal/pix"
)

// Picture is an image decoded for display.
type Picture struct {
	Img  image.Image // possibly smaller than the file
	W, H int         // the file's stored pixel size: the boxes' coordinates
	Path string
	// Screen is Img brought down to the size it is shown at when fitted
	// (nil when Img is no larger): a new picture reaches the screen as a
	// texture a quarter the size, and Img is used when zoomed in.
	Screen image.Image
}

// ScreenCopy is img scaled to fit side pixels on its long side, or nil
// when it is not larger than that.
func ScreenCopy(img image.Image, side int) image.Image {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if side <= 0 || long <= side {
		return nil
	}
	w, h := max(1, b.Dx()*side/long), max(1, b.Dy()*side/long)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(out, out.Bounds(), img, b, xdraw.Src, nil)
	return out
}

// Scale is display pixels per image pixel.
func (p *Picture) Scale() float64 { return float64(p.Img.Bounds().Dx()) / float64(p.W) }

// Load decodes path for display, no larger than needed for maxSide pixels
// on its long side (0: full size). Pixels are as stored: EXIF orientation
// is not applied, as the trainers do not apply it either.
func Load(path string, maxSide int) (*Picture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, w, h, err := pix.DecodeScaled(data, maxSide)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// JPEGs come from the DCT at most twice too large, which the screen
	// scales smoothly; other pictures are subsampled when far larger
	var shown image.Image = img
	if b := img.Bounds(); maxSide > 0 && max(b.Dx(), b.Dy()) >= 2*maxSide {
		shown = Shrink(img, maxSide)
	}
	return &Picture{Img: shown, W: w, H: h, Path: path}, nil
}

// Shrink subsamples img by the largest whole factor that keeps its long
// side at least side (nearest neighbour: this is for a screen, and the
// factor is only ever applied to pictures at least twice its size; never
// below side, so that a fitted view does not magnify it).
func Shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if side <= 0 || long < 2*side {
		return img
	}
	f := long / side
	w, h := b.Dx()/f, b.Dy()/f
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if src, ok := img.(*image.RGBA); ok {
		for y := 0; y < h; y++ {
			row := src.Pix[(y*f)*src.Stride:]
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				copy(dst[4*x:4*x+4], row[4*x*f:4*x*f+4])
			}
		}
		return out
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(x, y, img.At(b.Min.X+x*f, b.Min.Y+y*f))
		}
	}
	return out
}
