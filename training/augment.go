package training

import (
	"image"
	"math"
	"math/rand/v2"

	"github.com/labelloop/labelloop/internal/pix"
)

// Augment are the data augmentations. The zero value turns all off (plain
// letterbox); DefaultAugment is the reference's recipe.
type Augment struct {
	Flip   float64    // probability of a horizontal flip
	HSV    [3]float64 // hue, saturation, value gains: each × a factor in [1−g, 1+g]
	Jitter float64    // aspect ratio × r1/r2, r in [1−j, 1+j]
	Scale  [2]float64 // the long side (or short, for tall pictures) × this range of the input size
	Mosaic float64    // probability of a 2×2 mosaic of four pictures
	Mixup  float64    // probability of blending a mosaic 50/50 with one more picture
	// MosaicUntil is the fraction of the run's epochs that may use mosaic
	// (and so mixup); the last ones train on plain pictures.
	MosaicUntil float64
}

// DefaultAugment is the reference's: flip 0.5, HSV (0.1, 0.7, 0.4), aspect
// jitter 0.3, scale 0.25–2, mosaic 0.5 for the first 70% of epochs and
// mixup 0.5 on mosaics.
var DefaultAugment = Augment{Flip: 0.5, HSV: [3]float64{0.1, 0.7, 0.4}, Jitter: 0.3, Scale: [2]float64{0.25, 2},
	Mosaic: 0.5, Mixup: 0.5, MosaicUntil: 0.7}

const grey = float32(128) / 255

// unit is v/255 in float32, as the seed's numpy divides.
var unit = func() (u [256]float32) {
	for i := range u {
		u[i] = float32(i) / 255
	}
	return
}()

// canvas is one prepared input: 3×S×S planes with boxes as corners in
// input pixels.
type canvas struct {
	s       int
	x       []float32
	boxes   [][4]float64 // x1, y1, x2, y2
	classes []int
}

func newCanvas(s int, dst []float32) *canvas {
	for i := range dst {
		dst[i] = grey
	}
	return &canvas{s: s, x: dst}
}

// rnd is uniform in [a, b).
func rnd(r *rand.Rand, a, b float64) float64 { return a + r.Float64()*(b-a) }

// place sizes a picture of w×h by the jittered aspect ratio and a scale
// drawn from [lo, hi) of the canvas, as the reference does.
func (a Augment) place(r *rand.Rand, s, w, h int, lo, hi float64) (nw, nh int) {
	ar := float64(w) / float64(h) * rnd(r, 1-a.Jitter, 1+a.Jitter) / rnd(r, 1-a.Jitter, 1+a.Jitter)
	sc := rnd(r, lo, hi)
	if ar < 1 {
		nh = int(sc * float64(s))
		nw = int(float64(nh) * ar)
	} else {
		nw = int(sc * float64(s))
		nh = int(float64(nw) / ar)
	}
	return max(nw, 1), max(nh, 1)
}

// paste draws the picture resized to nw×nh with its top-left at (dx, dy),
// mirrored if flip, into the part of the canvas inside clip, and adds its
// boxes clipped to that part (boxes left under 1 px wide or high are
// dropped). The resize is the seed's and prediction's, PIL's BICUBIC
// (pix.ResizeRect computes just the part that shows).
func (c *canvas) paste(img *image.RGBA, sm Sample, nw, nh, dx, dy int, flip bool, clip image.Rectangle) {
	area := clip.Intersect(image.Rect(dx, dy, dx+nw, dy+nh))
	if !area.Empty() {
		// the resized picture's columns that land in area
		cols := image.Rect(area.Min.X-dx, area.Min.Y-dy, area.Max.X-dx, area.Max.Y-dy)
		if flip {
			cols.Min.X, cols.Max.X = nw-(area.Max.X-dx), nw-(area.Min.X-dx)
		}
		part := pix.ResizeRect(img, nw, nh, cols)
		plane := c.s * c.s
		for y := area.Min.Y; y < area.Max.Y; y++ {
			row := part.Pix[(y-area.Min.Y)*part.Stride:]
			o := y*c.s + area.Min.X
			for k := 0; k < area.Dx(); k++ {
				p := 4 * k
				if flip {
					p = 4 * (area.Dx() - 1 - k)
				}
				c.x[o+k] = unit[row[p]]
				c.x[plane+o+k] = unit[row[p+1]]
				c.x[2*plane+o+k] = unit[row[p+2]]
			}
		}
	}
	pw, ph := img.Rect.Dx(), img.Rect.Dy()
	fx, fy := float64(nw)/float64(pw), float64(nh)/float64(ph)
	for k, b := range sm.Boxes {
		x1, x2 := b.Xmin*fx, b.Xmax*fx
		if flip {
			x1, x2 = float64(nw)-x2, float64(nw)-x1
		}
		x1, x2 = max(x1+float64(dx), float64(clip.Min.X)), min(x2+float64(dx), float64(clip.Max.X))
		y1 := max(b.Ymin*fy+float64(dy), float64(clip.Min.Y))
		y2 := min(b.Ymax*fy+float64(dy), float64(clip.Max.Y))
		if x2-x1 > 1 && y2-y1 > 1 {
			c.boxes = append(c.boxes, [4]float64{x1, y1, x2, y2})
			c.classes = append(c.classes, sm.Classes[k])
		}
	}
}

// single is the reference's get_random_data: a picture resized with
// jittered aspect and scale, placed at random on grey, maybe flipped.
func (l *Loader) single(c *canvas, i int, r *rand.Rand) error {
	sm := l.Samples[i]
	img, err := pix.Decode(sm.Image)
	if err != nil {
		return err
	}
	s, a := l.Size, l.Aug
	nw, nh := a.place(r, s, img.Rect.Dx(), img.Rect.Dy(), a.Scale[0], a.Scale[1])
	dx, dy := int(rnd(r, 0, float64(s-nw))), int(rnd(r, 0, float64(s-nh)))
	c.paste(img, sm, nw, nh, dx, dy, r.Float64() < a.Flip, image.Rect(0, 0, s, s))
	return nil
}

// letterbox is the plain path: aspect kept and centred (or, with
// Stretch, the picture resized to the square), maybe flipped.
func (l *Loader) letterbox(c *canvas, i int, r *rand.Rand) error {
	sm := l.Samples[i]
	img, err := pix.Decode(sm.Image)
	if err != nil {
		return err
	}
	s, w, h := l.Size, img.Rect.Dx(), img.Rect.Dy()
	k := math.Min(float64(s)/float64(w), float64(s)/float64(h))
	nw, nh := max(1, int(float64(w)*k)), max(1, int(float64(h)*k))
	if l.Stretch {
		nw, nh = s, s
	}
	c.paste(img, sm, nw, nh, (s-nw)/2, (s-nh)/2, r.Float64() < l.Aug.Flip, image.Rect(0, 0, s, s))
	return nil
}

// mosaic is the reference's four pictures around a random centre, each
// scaled 0.4–1 and cut to its quarter.
func (l *Loader) mosaic(c *canvas, first int, r *rand.Rand) error {
	s, a := l.Size, l.Aug
	cx, cy := int(float64(s)*rnd(r, 0.3, 0.7)), int(float64(s)*rnd(r, 0.3, 0.7))
	quarters := [4]image.Rectangle{image.Rect(0, 0, cx, cy), image.Rect(0, cy, cx, s), image.Rect(cx, cy, s, s), image.Rect(cx, 0, s, cy)}
	for q := 0; q < 4; q++ {
		i := first
		if q > 0 {
			i = r.IntN(len(l.Samples))
		}
		sm := l.Samples[i]
		img, err := pix.Decode(sm.Image)
		if err != nil {
			return err
		}
		flip := r.Float64() < a.Flip
		nw, nh := a.place(r, s, img.Rect.Dx(), img.Rect.Dy(), 0.4, 1)
		dx, dy := cx, cy
		if q < 2 {
			dx = cx - nw
		}
		if q == 0 || q == 3 {
			dy = cy - nh
		}
		c.paste(img, sm, nw, nh, dx, dy, flip, quarters[q])
	}
	return nil
}

// mixup blends in one more randomly placed picture at 50%, with its boxes.
func (l *Loader) mixup(c *canvas, r *rand.Rand) error {
	o := newCanvas(l.Size, make([]float32, len(c.x)))
	if err := l.single(o, r.IntN(len(l.Samples)), r); err != nil {
		return err
	}
	for i := range c.x {
		c.x[i] = 0.5*c.x[i] + 0.5*o.x[i]
	}
	c.boxes = append(c.boxes, o.boxes...)
	c.classes = append(c.classes, o.classes...)
	return nil
}

// jitterHSV multiplies hue, saturation and value by random gains in
// [1−g, 1+g] over the whole canvas (padding included, as the reference).
func (c *canvas) jitterHSV(r *rand.Rand, g [3]float64) {
	gh := 1 + (r.Float64()*2-1)*g[0]
	gs := 1 + (r.Float64()*2-1)*g[1]
	gv := 1 + (r.Float64()*2-1)*g[2]
	plane := c.s * c.s
	R, G, B := c.x[:plane], c.x[plane:2*plane], c.x[2*plane:3*plane]
	for i := range R {
		h, s, v := rgbToHSV(float64(R[i]), float64(G[i]), float64(B[i]))
		h = math.Mod(h*gh, 360)
		s, v = math.Min(1, s*gs), math.Min(1, v*gv)
		rr, gg, bb := hsvToRGB(h, s, v)
		R[i], G[i], B[i] = float32(rr), float32(gg), float32(bb)
	}
}

// rgbToHSV: r, g, b in [0, 1]; h in degrees.
func rgbToHSV(r, g, b float64) (h, s, v float64) {
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	v = mx
	d := mx - mn
	if mx > 0 {
		s = d / mx
	}
	switch {
	case d == 0:
		h = 0
	case mx == r:
		h = 60 * math.Mod((g-b)/d, 6)
	case mx == g:
		h = 60 * ((b-r)/d + 2)
	default:
		h = 60 * ((r-g)/d + 4)
	}
	if h < 0 {
		h += 360
	}
	return h, s, v
}

func hsvToRGB(h, s, v float64) (float64, float64, float64) {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return r + m, g + m, b + m
}
