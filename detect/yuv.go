package detect

import (
	"image"
	"image/color"
	"math"
	"sync"
)

// YUVFrame is a video frame as ffmpeg's yuv420p carries it: full-size Y,
// half-size U and V, BT.601 limited range. Saving a video moves frames in
// this form end to end (decode → detect → draw → encode): it is 2.7× fewer
// bytes through the pipes than RGBA, and neither ffmpeg process has to
// convert colours; only the network's input is converted, at its size.
type YUVFrame struct {
	W, H    int
	Y, U, V []byte // planes, strides W and W/2
	Buf     []byte // backing store of the three planes, as read
}

// NewYUVFrame allocates a frame (W and H even, as yuv420p needs).
func NewYUVFrame(w, h int) *YUVFrame {
	buf := make([]byte, w*h*3/2)
	return &YUVFrame{W: w, H: h, Buf: buf, Y: buf[:w*h], U: buf[w*h : w*h*5/4], V: buf[w*h*5/4:]}
}

// ColorModel, Bounds and At make a frame an image.Image (At is slow; it is
// for tests and odd callers, not the pipeline).
func (f *YUVFrame) ColorModel() color.Model { return color.RGBAModel }
func (f *YUVFrame) Bounds() image.Rectangle { return image.Rect(0, 0, f.W, f.H) }
func (f *YUVFrame) At(x, y int) color.Color {
	r, g, b := yuvToRGB(float32(f.Y[y*f.W+x]), float32(f.U[(y/2)*(f.W/2)+x/2]), float32(f.V[(y/2)*(f.W/2)+x/2]))
	return color.RGBA{clamp8(r), clamp8(g), clamp8(b), 255}
}

// yuvToRGB is BT.601 limited range (what H.264 video mostly is, and what
// ffmpeg assumes for it when it converts to RGB itself).
func yuvToRGB(y, u, v float32) (r, g, b float32) {
	y = 1.164383 * (y - 16)
	u, v = u-128, v-128
	return y + 1.596027*v, y - 0.391762*u - 0.812968*v, y + 2.017232*u
}

func rgbToYUV(r, g, b float32) (y, u, v uint8) {
	return clamp8(16 + 0.256788*r + 0.504129*g + 0.097906*b),
		clamp8(128 - 0.148223*r - 0.290993*g + 0.439216*b),
		clamp8(128 + 0.439216*r - 0.367788*g - 0.071427*b)
}

func clamp8(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// resizeRowsYUV is resizeRows for a YUV frame: bilinear in Y, U and V at
// their own resolutions, then converted (the conversion is affine, so this
// equals converting first and resampling after, up to clamping).
func resizeRowsYUV(src *YUVFrame, dst []float32, size, x0, y0, nw, nh, ya, yb int) {
	sw, sh := src.W, src.H
	cw, chh := sw/2, sh/2
	plane := size * size
	type tap struct {
		i0, i1 int
		f      float32
	}
	taps := func(n, srcN int, scale float64) []tap {
		t := make([]tap, n)
		for x := range t {
			sx := (float64(x)+0.5)*scale - 0.5
			i0 := int(math.Floor(sx))
			t[x] = tap{min(max(i0, 0), srcN-1), min(max(i0+1, 0), srcN-1), float32(sx - float64(i0))}
		}
		return t
	}
	xl := taps(nw, sw, float64(sw)/float64(nw))
	xc := taps(nw, cw, float64(cw)/float64(nw))
	lerp := func(row []byte, t tap) float32 {
		a := float32(row[t.i0])
		return a + (float32(row[t.i1])-a)*t.f
	}
	const inv = 1.0 / 255
	for y := ya; y < yb; y++ {
		row := func(n int) tap {
			s := (float64(y)+0.5)*float64(n)/float64(nh) - 0.5
			j0 := int(math.Floor(s))
			return tap{min(max(j0, 0), n-1), min(max(j0+1, 0), n-1), float32(s - float64(j0))}
		}
		ty, tc := row(sh), row(chh)
		y0r, y1r := src.Y[ty.i0*sw:(ty.i0+1)*sw], src.Y[ty.i1*sw:(ty.i1+1)*sw]
		u0r, u1r := src.U[tc.i0*cw:(tc.i0+1)*cw], src.U[tc.i1*cw:(tc.i1+1)*cw]
		v0r, v1r := src.V[tc.i0*cw:(tc.i0+1)*cw], src.V[tc.i1*cw:(tc.i1+1)*cw]
		o := (y0+y)*size + x0
		for x := 0; x < nw; x++ {
			a, c := xl[x], xc[x]
			yt, yb := lerp(y0r, a), lerp(y1r, a)
			ut, ub := lerp(u0r, c), lerp(u1r, c)
			vt, vb := lerp(v0r, c), lerp(v1r, c)
			r, g, b := yuvToRGB(yt+(yb-yt)*ty.f, ut+(ub-ut)*tc.f, vt+(vb-vt)*tc.f)
			dst[o+x] = min(max(r, 0), 255) * inv
			dst[plane+o+x] = min(max(g, 0), 255) * inv
			dst[2*plane+o+x] = min(max(b, 0), 255) * inv
		}
	}
}

// DrawOnYUV draws the detections as DrawOn does, straight into the planes:
// boxes as filled strips, and each tag rendered to a small RGBA patch and
// converted (only the tags' pixels ever become RGB). A tag is converted
// once and then copied (see yuvTags): with hundreds of boxes per frame the
// conversion was half of the drawing time.
func DrawOnYUV(f *YUVFrame, origW, origH int, dets []Detection, classes []string) {
	lw := lineWidth(f.W, f.H)
	for _, d := range dets {
		c := drawPalette[d.Class%len(drawPalette)]
		r := boxOn(d, f.Bounds(), origW, origH)
		boxOutline(r, lw, func(s image.Rectangle) { f.fill(s, c) })
		f.pasteTag(yuvTags.get(tagLabel(d, classes), c), tagOrigin(r))
	}
}

// yuvTag is a tag converted: Y, U and V of each pixel (U and V at full
// size, so that pasting it anywhere takes the same chroma samples as
// converting it there would).
type yuvTag struct {
	w       int
	y, u, v []byte
}

// yuvTags keeps converted tags by label and colour ("cat 0.87": a few
// hundred per class at most; emptied if it ever grows past 4096).
var yuvTags = tagCache{m: map[tagKey]*yuvTag{}}

type tagKey struct {
	label string
	c     color.RGBA
}

type tagCache struct {
	mu sync.Mutex
	m  map[tagKey]*yuvTag
}

func (tc *tagCache) get(label string, c color.RGBA) *yuvTag {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	k := tagKey{label, c}
	if t := tc.m[k]; t != nil {
		return t
	}
	patch := tagPatch(label, c)
	w, h := patch.Rect.Dx(), patch.Rect.Dy()
	t := &yuvTag{w: w, y: make([]byte, w*h), u: make([]byte, w*h), v: make([]byte, w*h)}
	for i := range t.y {
		p := patch.Pix[4*i:]
		t.y[i], t.u[i], t.v[i] = rgbToYUV(float32(p[0]), float32(p[1]), float32(p[2]))
	}
	if len(tc.m) >= 4096 {
		clear(tc.m)
	}
	tc.m[k] = t
	return t
}

// pasteTag copies a converted tag in at p: Y row by row, U and V from the
// tag's pixels at even frame coordinates.
func (f *YUVFrame) pasteTag(t *yuvTag, p image.Point) {
	dst := image.Rect(0, 0, t.w, len(t.y)/t.w).Add(p).Intersect(f.Bounds())
	cw := f.W / 2
	for j := dst.Min.Y; j < dst.Max.Y; j++ {
		src := (j - p.Y) * t.w
		copy(f.Y[j*f.W+dst.Min.X:j*f.W+dst.Max.X], t.y[src+dst.Min.X-p.X:src+dst.Max.X-p.X])
		if j%2 != 0 {
			continue
		}
		for i := dst.Min.X + dst.Min.X%2; i < dst.Max.X; i += 2 {
			f.U[(j/2)*cw+i/2], f.V[(j/2)*cw+i/2] = t.u[src+i-p.X], t.v[src+i-p.X]
		}
	}
}

// fill paints r in c: Y per pixel, U and V for every 2×2 block r touches.
func (f *YUVFrame) fill(r image.Rectangle, c color.RGBA) {
	r = r.Intersect(f.Bounds())
	if r.Empty() {
		return
	}
	y, u, v := rgbToYUV(float32(c.R), float32(c.G), float32(c.B))
	for j := r.Min.Y; j < r.Max.Y; j++ {
		row := f.Y[j*f.W:]
		for i := r.Min.X; i < r.Max.X; i++ {
			row[i] = y
		}
	}
	cw := f.W / 2
	for j := r.Min.Y / 2; j < (r.Max.Y+1)/2; j++ {
		for i := r.Min.X / 2; i < (r.Max.X+1)/2; i++ {
			f.U[j*cw+i], f.V[j*cw+i] = u, v
		}
	}
}
