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
	r = r.Intersect(image.Rect(0, 0, nw, nh))
	out := image.NewRGBA(r)
	if r.Empty() {
		return out
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	vt := coeffs(sh, nh, r.Min.Y, r.Max.Y)
	// source rows the vertical pass reads
	y0, y1 := vt[0].first, 0
	for _, t := range vt {
		y0 = min(y0, t.first)
		y1 = max(y1, t.first+len(t.k))
	}
	cw := r.Dx()
	// horizontal pass into rows y0..y1 of a cw-wide temporary (Pillow
	// skips it when the width does not change: the cubic's weights are
	// then 0, 1, 0, 0 and it would copy anyway)
	tmp := &image.RGBA{Stride: 4 * cw}
	if nw == sw {
		tmp.Pix = src.Pix
		tmp.Stride = src.Stride
		tmp.Rect = src.Rect
	} else {
		tmp.Pix = make([]byte, (y1-y0)*4*cw)
		ht := coeffs(sw, nw, r.Min.X, r.Max.X)
		for y := y0; y < y1; y++ {
			row := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):]
			d := tmp.Pix[(y-y0)*tmp.Stride:]
			for x := range ht {
				k := ht[x].k
				p := row[4*ht[x].first : 4*ht[x].first+4*len(k)]
				s0, s1, s2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
				// four taps a step, then two, then one: the loop's own
				// work was half the pass (integer sums: the order does
				// not change a byte)
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
				q := d[4*x : 4*x+4 : 4*x+4]
				q[0], q[1], q[2], q[3] = clip8(s0), clip8(s1), clip8(s2), 0xFF
			}
		}
	}
	// column offset and first row of the temporary in its own indexing
	xoff, yoff := 0, y0
	if nw == sw {
		xoff, yoff = r.Min.X, 0
	}
	if nh == sh {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(out.Pix[(y-r.Min.Y)*out.Stride:(y-r.Min.Y)*out.Stride+4*cw], tmp.Pix[(y-yoff)*tmp.Stride+4*xoff:])
		}
		return out
	}
	// row by row: each tap adds a whole temporary row to the sums, which
	// reads memory in order (a column at a time strides across rows);
	// alpha is summed too, which keeps the loop plain and fast
	acc := make([]int32, 4*cw)
	for y, t := range vt {
		for i := range acc {
			acc[i] = 1 << (precisionBits - 1)
		}
		row := func(j int) []byte {
			o := (t.first+j-yoff)*tmp.Stride + 4*xoff
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
		d := out.Pix[y*out.Stride : y*out.Stride+len(acc)]
		for i, v := range acc {
			d[i] = clip8(v)
		}
		for i := 3; i < len(d); i += 4 {
			d[i] = 0xFF
		}
	}
	return out
}

// Reduce averages f×f blocks, f the largest whole factor that keeps the
// long side at least minSide (1: img itself): a quick, smooth picture
// for a screen or an annotated copy, never for the network.
func Reduce(img *image.RGBA, minSide int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	f := max(w, h) / max(minSide, 1)
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
