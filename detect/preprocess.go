package detect

import (
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/model"
)

// Frame maps the network's input square back to the original image.
type Frame struct {
	OrigW, OrigH int
	ScaleX       float64 // input pixels per original pixel
	ScaleY       float64
	DX, DY       float64 // where the image starts in the input
}

// ToOriginal maps an input-pixel point to original pixels.
func (f Frame) ToOriginal(x, y float64) (float64, float64) {
	return (x - f.DX) / f.ScaleX, (y - f.DY) / f.ScaleY
}

// Preprocess fills dst (3×size×size, RGB/255, channel-major) from img,
// which shows an origW×origH picture possibly decoded smaller. Letterbox
// keeps the aspect ratio and pads with grey 128 as the reference does;
// otherwise the picture is stretched to the square. A size outside
// model.MinInputSize..MaxInputSize, a dst too small for it, or an empty
// picture is an error, and dst is left alone.
func Preprocess(img image.Image, origW, origH, size int, letterbox bool, dst []float32) (Frame, error) {
	if err := checkInput(size, dst); err != nil {
		return Frame{OrigW: origW, OrigH: origH}, err
	}
	if err := checkPicture(img, origW, origH); err != nil {
		return Frame{OrigW: origW, OrigH: origH}, err
	}
	f, nw, nh := layout(origW, origH, size, letterbox, dst)
	x0, y0 := int(f.DX), int(f.DY)
	if yuv, ok := img.(*YUVFrame); ok {
		halves(func(ya, yb int) { resizeRowsYUV(yuv, dst, size, x0, y0, nw, nh, ya, yb) }, 0, nh)
		return f, nil
	}
	// Two halves on two goroutines: before the network runs the cores are
	// idle, and this is most of the pre-processing.
	z := pix.NewResizer(ToRGBA(img), nw, nh, image.Rect(0, 0, nw, nh))
	ya, yb := z.SourceRows()
	halves(z.Across, ya, yb)
	halves(func(ya, yb int) { z.Down(ya, yb, toPlanes(dst, size, x0, y0)) }, 0, nh)
	return f, nil
}

// checkInput refuses a size outside model.MinInputSize..MaxInputSize or
// a dst too small for it.
func checkInput(size int, dst []float32) error {
	if err := model.CheckInputSize(size); err != nil {
		return fmt.Errorf("input size %w", err)
	}
	if len(dst) < 3*size*size {
		return fmt.Errorf("input buffer of %d values for a %d×%d input", len(dst), size, size)
	}
	return nil
}

// layout places an origW×origH picture in the size×size input (nw×nh
// at f.DX, f.DY) and, with letterbox, paints the bands beside it grey
// 128 as the reference does; otherwise the picture is stretched.
func layout(origW, origH, size int, letterbox bool, dst []float32) (f Frame, nw, nh int) {
	f = Frame{OrigW: origW, OrigH: origH}
	nw, nh = size, size
	if letterbox {
		s := math.Min(float64(size)/float64(origW), float64(size)/float64(origH))
		nw, nh = max(1, int(float64(origW)*s)), max(1, int(float64(origH)*s))
		f.DX, f.DY = float64((size-nw)/2), float64((size-nh)/2)
	}
	f.ScaleX, f.ScaleY = float64(nw)/float64(origW), float64(nh)/float64(origH)
	if letterbox {
		// grey only where the picture will not be: the bands beside it
		const grey = 128.0 / 255
		plane := size * size
		x0, y0 := int(f.DX), int(f.DY)
		for c := 0; c < 3; c++ {
			p := dst[c*plane : (c+1)*plane]
			setAll(p[:y0*size], grey)
			setAll(p[(y0+nh)*size:], grey)
			for y := y0; y < y0+nh; y++ {
				setAll(p[y*size:y*size+x0], grey)
				setAll(p[y*size+x0+nw:(y+1)*size], grey)
			}
		}
	}
	return f, nw, nh
}

// halves runs work over [a, b) in two halves, one on another goroutine.
func halves(work func(a, b int), a, b int) {
	mid := (a + b) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		work(a, mid)
	}()
	work(mid, b)
	wg.Wait()
}

// checkPicture reports a picture resizing cannot read: no pixels, an
// original size of none, or a YUV frame whose planes are short.
func checkPicture(img image.Image, origW, origH int) error {
	if origW < 1 || origH < 1 {
		return fmt.Errorf("picture of %d×%d pixels", origW, origH)
	}
	if yuv, ok := img.(*YUVFrame); ok {
		w, h := yuv.W, yuv.H
		if w < 2 || h < 2 || len(yuv.Y) < w*h || len(yuv.U) < (w/2)*(h/2) || len(yuv.V) < (w/2)*(h/2) {
			return fmt.Errorf("video frame of %d×%d with planes of %d, %d and %d bytes", w, h, len(yuv.Y), len(yuv.U), len(yuv.V))
		}
		return nil
	}
	if b := img.Bounds(); b.Empty() {
		return fmt.Errorf("picture of %d×%d pixels", b.Dx(), b.Dy())
	}
	return nil
}

func setAll(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// ToRGBA returns img as *image.RGBA, converting only when it is not one,
// as PIL's convert("RGB") does (a transparent pixel keeps its colour).
func ToRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	return pix.ToRGB(img)
}

// unit is v/255 in float32, as the seed's numpy divides.
var unit = func() (u [256]float32) {
	for i := range u {
		u[i] = float32(i) / 255
	}
	return
}()

// toPlanes writes a resized row y (R, G, B bytes) into the rectangle at (x0, y0)
// of the size×size planes. The resize is the seed's, PIL's
// Image.resize(BICUBIC) (pix.Resize): antialiased when shrinking and the
// same bytes from the same pixels, so training (which resizes the same
// way) and prediction see what the seed's pipeline sees.
func toPlanes(dst []float32, size, x0, y0 int) func(y int, row []byte) {
	plane := size * size
	return func(y int, row []byte) {
		o := (y0+y)*size + x0
		nw := len(row) / 3
		r, g, b := dst[o:o+nw], dst[plane+o:plane+o+nw], dst[2*plane+o:2*plane+o+nw]
		for x := range r {
			p := row[3*x : 3*x+3 : 3*x+3]
			r[x], g[x], b[x] = unit[p[0]], unit[p[1]], unit[p[2]]
		}
	}
}
