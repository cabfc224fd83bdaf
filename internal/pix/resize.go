package pix

import (
	"image"
	"math"
)

// The seed resizes with PIL's Image.resize(size, Image.BICUBIC): a
// separable cubic convolution (a = -0.5) whose support widens with the
// shrink factor, so a large photo is averaged down (antialiased) rather
// than point-sampled. This is Pillow's Resample.c done the same way
// (coefficients in float64, normalised, then 22-bit fixed point; a
// horizontal pass rounded to 8 bits, then a vertical one), so that from
// the same decoded pixels the result is the same to the byte.

const precisionBits = 32 - 8 - 2

func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// taps are one output pixel's source range and fixed-point weights.
type taps struct {
	first int
	k     []int32
}

// coeffs is Pillow's precompute_coeffs + normalize_coeffs_8bpc for the
// output pixels [lo, hi) of an inSize -> outSize resize.
func coeffs(inSize, outSize, lo, hi int) []taps {
	scale := float64(float32(inSize)) / float64(outSize)
	filterscale := max(scale, 1)
	support := 2 * filterscale
	ss := 1 / filterscale
	out := make([]taps, hi-lo)
	w := make([]float64, int(math.Ceil(support))*2+1)
	for xx := lo; xx < hi; xx++ {
		center := (float64(xx) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = bicubic((float64(x+xmin) - center + 0.5) * ss)
			ww += w[x]
		}
		k := make([]int32, max(xmax, 0))
		for x := range k {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				k[x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				k[x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		out[xx-lo] = taps{xmin, k}
	}
	return out
}

// clip8 is Pillow's: the fixed-point sum shifted down (floor) and clamped.
func clip8(v int32) uint8 {
	v >>= precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Resize is PIL's img.resize((nw, nh), Image.BICUBIC) for an RGB image.
func Resize(src *image.RGBA, nw, nh int) *image.RGBA {
	return ResizeRect(src, nw, nh, image.Rect(0, 0, nw, nh))
}

// ResizeRect computes only the part r of Resize(src, nw, nh) (r within
// 0,0-nw,nh): the same bytes, without the work for pixels outside r,
// which a letterbox half or a picture cut by a mosaic does not show. The
// result's bounds are r.
func ResizeRect(src *image.RGBA, nw, nh int, r image.Rectangle) *image.RGBA {
	z := NewResizer(src, nw, nh, r)
	out := image.NewRGBA(z.r)
	if z.r.Empty() {
		return out
	}
	z.Across(z.SourceRows())
	z.Down(z.r.Min.Y, z.r.Max.Y, func(y int, row []byte) {
		d := out.Pix[(y-z.r.Min.Y)*out.Stride:]
		for x := 0; x < len(row)/3; x++ {
			p, q := row[3*x:3*x+3:3*x+3], d[4*x:4*x+4:4*x+4]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], 0xFF
		}
	})
	return out
}

// Resizer is ResizeRect in its two passes, for a picture whose rows
// arrive in order (a decode under way): Across runs the horizontal pass
// over source rows as they become final, then Down the vertical one over
// any output rows, from several goroutines at once if wanted.
type Resizer struct {
	src        *image.RGBA
	r          image.Rectangle
	vt, ht     []taps
	y0, y1     int         // source rows the vertical pass reads
	tmp        *image.RGBA // the horizontal pass's rows y0..y1, RGB (src itself when the width stays)
	bpp        int         // bytes a pixel of tmp: 3, or src's 4
	xoff, yoff int         // column offset and first row of tmp in its own indexing
	across     bool        // the width changes: Across has work
	down       bool        // the height changes: Down sums rows (else copies them)
}

// NewResizer sets up the part r of resizing src to nw×nh. Src's pixels
// may be filled in later, before Across reads their rows.
func NewResizer(src *image.RGBA, nw, nh int, r image.Rectangle) *Resizer {
	z := &Resizer{src: src, r: r.Intersect(image.Rect(0, 0, nw, nh))}
	if z.r.Empty() {
		return z
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	z.vt = coeffs(sh, nh, z.r.Min.Y, z.r.Max.Y)
	z.y0, z.y1 = z.vt[0].first, 0
	for _, t := range z.vt {
		z.y0 = min(z.y0, t.first)
		z.y1 = max(z.y1, t.first+len(t.k))
	}
	z.across, z.down = nw != sw, nh != sh
	cw := z.r.Dx()
	// Pillow skips the horizontal pass when the width does not change:
	// the cubic's weights are then 0, 1, 0, 0 and it would copy anyway
	// the temporary keeps R, G and B only: the vertical pass, which
	// reads it, then sums a quarter less
	if z.across {
		z.bpp = 3
		z.tmp = &image.RGBA{Stride: 3 * cw, Pix: make([]byte, (z.y1-z.y0)*3*cw)}
		z.ht = coeffs(sw, nw, z.r.Min.X, z.r.Max.X)
		z.yoff = z.y0
	} else {
		z.bpp = 4
		z.tmp = src
		z.xoff = z.r.Min.X
	}
	return z
}

// SourceRows are the rows of src the result reads, [y0, y1).
func (z *Resizer) SourceRows() (y0, y1 int) { return z.y0, z.y1 }

// Across runs the horizontal pass over source rows [ya, yb) (the part of
// them SourceRows names); those rows of src must be final.
func (z *Resizer) Across(ya, yb int) {
	if !z.across {
		return
	}
	src := z.src
	for y := max(ya, z.y0); y < min(yb, z.y1); y++ {
		row := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):]
		d := z.tmp.Pix[(y-z.y0)*z.tmp.Stride:]
		for x := range z.ht {
			k := z.ht[x].k
			p := row[4*z.ht[x].first : 4*z.ht[x].first+4*len(k)]
			s0, s1, s2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			// four taps a step, then two, then one: the loop's own
			// work was half the pass (integer sums: the order does not
			// change a byte)
			j := 0
			for ; j+4 <= len(k); j += 4 {
				q := p[4*j : 4*j+15 : 4*j+15]
				c0, c1, c2, c3 := k[j], k[j+1], k[j+2], k[j+3]
				s0 += int32(q[0])*c0 + int32(q[4])*c1 + int32(q[8])*c2 + int32(q[12])*c3
				s1 += int32(q[1])*c0 + int32(q[5])*c1 + int32(q[9])*c2 + int32(q[13])*c3
				s2 += int32(q[2])*c0 + int32(q[6])*c1 + int32(q[10])*c2 + int32(q[14])*c3
			}
			for ; j+2 <= len(k); j += 2 {
				q := p[4*j : 4*j+7 : 4*j+7]
				c0, c1 := k[j], k[j+1]
				s0 += int32(q[0])*c0 + int32(q[4])*c1
				s1 += int32(q[1])*c0 + int32(q[5])*c1
				s2 += int32(q[2])*c0 + int32(q[6])*c1
			}
			if j < len(k) {
				q := p[4*j : 4*j+3 : 4*j+3]
				c := k[j]
				s0 += int32(q[0]) * c
				s1 += int32(q[1]) * c
				s2 += int32(q[2]) * c
			}
			q := d[3*x : 3*x+3 : 3*x+3]
			q[0], q[1], q[2] = clip8(s0), clip8(s1), clip8(s2)
		}
	}
}

// Down runs the vertical pass for output rows [ya, yb) of the part (in
// the resized picture's coordinates), after Across has covered the
// source rows: emit gets each row's pixels as R, G, B bytes, valid
// during the call.
func (z *Resizer) Down(ya, yb int, emit func(y int, row []byte)) {
	ya, yb = max(ya, z.r.Min.Y), min(yb, z.r.Max.Y)
	if ya >= yb {
		return
	}
	tmp, cw, bpp := z.tmp, z.r.Dx(), z.bpp
	out := make([]byte, 3*cw)
	if !z.down {
		for y := ya; y < yb; y++ {
			o := (y-z.yoff)*tmp.Stride + bpp*z.xoff
			emit(y, toRGB(out, tmp.Pix[o:o+bpp*cw], bpp))
		}
		return
	}
	// row by row: each tap adds a whole temporary row to the sums, which
	// reads memory in order (a column at a time strides across rows);
	// src's alpha, when it is the temporary, is summed and dropped
	acc := make([]int32, bpp*cw)
	sum := make([]byte, bpp*cw)
	for y := ya; y < yb; y++ {
		t := z.vt[y-z.r.Min.Y]
		for i := range acc {
			acc[i] = 1 << (precisionBits - 1)
		}
		row := func(j int) []byte {
			o := (t.first+j-z.yoff)*tmp.Stride + bpp*z.xoff
			return tmp.Pix[o : o+len(acc)]
		}
		// four taps a sweep: the sums are read and written a quarter as
		// often
		j := 0
		for ; j+4 <= len(t.k); j += 4 {
			r0, r1, r2, r3 := row(j), row(j+1), row(j+2), row(j+3)
			k0, k1, k2, k3 := t.k[j], t.k[j+1], t.k[j+2], t.k[j+3]
			r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
			a := acc[:len(r0)]
			for i, v := range r0 {
				a[i] += int32(v)*k0 + int32(r1[i])*k1 + int32(r2[i])*k2 + int32(r3[i])*k3
			}
		}
		for ; j < len(t.k); j++ {
			r0, k0 := row(j), t.k[j]
			a := acc[:len(r0)]
			for i, v := range r0 {
				a[i] += int32(v) * k0
			}
		}
		for i, v := range acc {
			sum[i] = clip8(v)
		}
		emit(y, toRGB(out, sum, bpp))
	}
}

// toRGB returns row's pixels as R, G, B bytes, in out unless they are
// already (bpp 3).
func toRGB(out, row []byte, bpp int) []byte {
	if bpp == 3 {
		return row
	}
	for x := 0; x < len(out)/3; x++ {
		p, q := row[4*x:4*x+3:4*x+3], out[3*x:3*x+3:3*x+3]
		q[0], q[1], q[2] = p[0], p[1], p[2]
	}
	return out
}

// Reduce averages f×f blocks, f the largest whole factor that keeps the
// long side at least minSide (1: img itself): a quick, smooth picture
// for a screen or an annotated copy, never for the network.
func Reduce(img *image.RGBA, minSide int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// never past the short side: a 6000×1 strip came out 1000×0
	f := min(max(w, h)/max(minSide, 1), min(w, h))
	if f < 2 {
		return img
	}
	ow, oh := w/f, h/f
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	sum := make([]uint32, 3*ow)
	n := uint32(f * f)
	for y := 0; y < oh; y++ {
		clear(sum)
		for dy := 0; dy < f; dy++ {
			row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y*f+dy):]
			for x := 0; x < ow; x++ {
				s := sum[3*x : 3*x+3]
				for dx := 0; dx < f; dx++ {
					p := row[4*(x*f+dx):]
					s[0] += uint32(p[0])
					s[1] += uint32(p[1])
					s[2] += uint32(p[2])
				}
			}
		}
		d := out.Pix[y*out.Stride:]
		for x := 0; x < ow; x++ {
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = uint8((sum[3*x]+n/2)/n), uint8((sum[3*x+1]+n/2)/n), uint8((sum[3*x+2]+n/2)/n), 0xFF
		}
	}
	return out
}
