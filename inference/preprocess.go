package inference

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"sync"

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
	f := Frame{OrigW: origW, OrigH: origH}
	if err := model.CheckInputSize(size); err != nil {
		return f, fmt.Errorf("input size %w", err)
	}
	if len(dst) < 3*size*size {
		return f, fmt.Errorf("input buffer of %d values for a %d×%d input", len(dst), size, size)
	}
	if err := checkPicture(img, origW, origH); err != nil {
		return f, err
	}
	nw, nh := size, size
	if letterbox {
		s := math.Min(float64(size)/float64(origW), float64(size)/float64(origH))
		nw, nh = max(1, int(float64(origW)*s)), max(1, int(float64(origH)*s))
		f.DX, f.DY = float64((size-nw)/2), float64((size-nh)/2)
	}
	f.ScaleX, f.ScaleY = float64(nw)/float64(origW), float64(nh)/float64(origH)
	plane := size * size
	if letterbox {
		// grey only where the picture will not be: the bands beside it
		const grey = 128.0 / 255
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
	rows := func(ya, yb int) {}
	if yuv, ok := img.(*YUVFrame); ok {
		rows = func(ya, yb int) { resizeRowsYUV(yuv, dst, size, int(f.DX), int(f.DY), nw, nh, ya, yb) }
	} else {
		src := ToRGBA(img)
		rows = func(ya, yb int) { resizeRows(src, dst, size, int(f.DX), int(f.DY), nw, nh, ya, yb) }
	}
	// Two halves on two goroutines: before the network runs the cores are
	// idle, and this is most of the pre-processing.
	var wg sync.WaitGroup
	half := nh / 2
	wg.Add(1)
	go func() {
		defer wg.Done()
		rows(0, half)
	}()
	rows(half, nh)
	wg.Wait()
	return f, nil
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

// ToRGBA returns img as *image.RGBA, converting only when it is not one.
func ToRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(r, r.Bounds(), img, b.Min, draw.Src)
	return r
}

// resizeRows resamples src bilinearly into rows [ya, yb) of the nw×nh
// rectangle at (x0, y0) of the size×size planes, with pixel centres
// aligned (as PIL does). Each source row is interpolated across once into
// three float rows, and each output row is then a blend of two of them:
// a source row serves one or two output rows when shrinking.
func resizeRows(src *image.RGBA, dst []float32, size, x0, y0, nw, nh, ya, yb int) {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	plane := size * size
	xi := make([]int, 2*nw)
	xf := make([]float32, nw)
	for x := 0; x < nw; x++ {
		sx := (float64(x)+0.5)*float64(sw)/float64(nw) - 0.5
		i0 := int(math.Floor(sx))
		fx := float32(sx - float64(i0))
		i1 := i0 + 1
		i0, i1 = min(max(i0, 0), sw-1), min(max(i1, 0), sw-1)
		xi[2*x], xi[2*x+1], xf[x] = 4*i0, 4*i1, fx
	}
	// two source rows across, R, G and B one after another; rowOf says
	// which source row each holds
	across := [2][]float32{make([]float32, 3*nw), make([]float32, 3*nw)}
	rowOf := [2]int{-1, -1}
	row := func(j int) []float32 {
		for k := range 2 {
			if rowOf[k] == j {
				return across[k]
			}
		}
		// the older of the two goes: rows are asked for in order
		k := 0
		if rowOf[1] < rowOf[0] {
			k = 1
		}
		rowOf[k] = j
		h := across[k]
		r := src.Pix[j*src.Stride : j*src.Stride+4*sw]
		hr, hg, hb := h[:nw], h[nw:2*nw], h[2*nw:3*nw]
		for x := range nw {
			a, b, fx := xi[2*x], xi[2*x+1], xf[x]
			ra, ga, ba := float32(r[a]), float32(r[a+1]), float32(r[a+2])
			hr[x] = ra + (float32(r[b])-ra)*fx
			hg[x] = ga + (float32(r[b+1])-ga)*fx
			hb[x] = ba + (float32(r[b+2])-ba)*fx
		}
		return h
	}
	const inv = 1.0 / 255
	for y := ya; y < yb; y++ {
		sy := (float64(y)+0.5)*float64(sh)/float64(nh) - 0.5
		j0 := int(math.Floor(sy))
		fy := float32(sy - float64(j0))
		j1 := j0 + 1
		j0, j1 = min(max(j0, 0), sh-1), min(max(j1, 0), sh-1)
		top, bot := row(j0), row(j1)
		o := (y0+y)*size + x0
		for c := range 3 {
			t, b := top[c*nw:(c+1)*nw], bot[c*nw:(c+1)*nw]
			d := dst[c*plane+o : c*plane+o+nw]
			for x := range d {
				d[x] = (t[x] + (b[x]-t[x])*fy) * inv
			}
		}
	}
}
