package training

import (
	"context"
	"image"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/imgload"
)

// Augment are the data augmentations (the reference's defaults, where on).
type Augment struct {
	Flip float64 // probability of a horizontal flip
	HSV  [3]float64
}

// DefaultAugment is the reference's flip and HSV jitter.
var DefaultAugment = Augment{Flip: 0.5, HSV: [3]float64{0.1, 0.7, 0.4}}

// Batch is a prepared batch: images N×3×S×S (RGB/255) and their targets.
type Batch struct {
	X       []float32
	N       int
	Targets BatchTargets
	Err     error
}

// Loader prepares batches on several goroutines ahead of the training
// step. Each sample's randomness comes from (seed, epoch, index), so the
// result does not depend on scheduling.
type Loader struct {
	Samples []Sample
	Size    int
	Batch   int
	Seed    uint64
	Aug     Augment
	Workers int
}

// Epoch streams the batches of one epoch (the last partial batch is
// dropped, as BatchNorm needs full ones) until ctx is done.
func (l *Loader) Epoch(ctx context.Context, epoch int) <-chan Batch {
	order := rand.New(rand.NewPCG(l.Seed, uint64(epoch))).Perm(len(l.Samples))
	nb := len(order) / l.Batch
	out := make(chan Batch, 2)
	results := make([]chan Batch, nb)
	for i := range results {
		results[i] = make(chan Batch, 1)
	}
	var next int64 = -1
	var mu sync.Mutex
	workers := max(1, l.Workers)
	for w := 0; w < workers; w++ {
		go func() {
			for {
				mu.Lock()
				next++
				b := int(next)
				mu.Unlock()
				if b >= nb || ctx.Err() != nil {
					return
				}
				results[b] <- l.make(order[b*l.Batch:(b+1)*l.Batch], epoch, b)
			}
		}()
	}
	go func() {
		defer close(out)
		for b := 0; b < nb; b++ {
			select {
			case bt := <-results[b]:
				select {
				case out <- bt:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (l *Loader) make(idx []int, epoch, b int) Batch {
	s := l.Size
	bt := Batch{X: make([]float32, len(idx)*3*s*s), N: len(idx)}
	for k, i := range idx {
		rng := rand.New(rand.NewPCG(l.Seed^uint64(epoch)<<32, uint64(i)))
		sm := l.Samples[i]
		pic, err := imgload.Load(sm.Image, s)
		if err != nil {
			return Batch{Err: err}
		}
		img := pic.Img
		flip := rng.Float64() < l.Aug.Flip
		if l.Aug.HSV != [3]float64{} {
			img = jitterHSV(img, rng, l.Aug.HSV)
		}
		dst := bt.X[k*3*s*s : (k+1)*3*s*s]
		f := inference.Preprocess(img, pic.W, pic.H, s, true, dst)
		if flip {
			flipPlanes(dst, s)
		}
		var boxes [][4]float64
		for _, bx := range sm.Boxes {
			x1, y1 := bx.Xmin*f.ScaleX+f.DX, bx.Ymin*f.ScaleY+f.DY
			x2, y2 := bx.Xmax*f.ScaleX+f.DX, bx.Ymax*f.ScaleY+f.DY
			if flip {
				x1, x2 = float64(s)-x2, float64(s)-x1
			}
			boxes = append(boxes, [4]float64{(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1})
		}
		bt.Targets.Boxes = append(bt.Targets.Boxes, boxes)
		bt.Targets.Classes = append(bt.Targets.Classes, sm.Classes)
	}
	return bt
}

func flipPlanes(x []float32, s int) {
	for c := 0; c < 3; c++ {
		for y := 0; y < s; y++ {
			row := x[(c*s+y)*s : (c*s+y+1)*s]
			for i, j := 0, s-1; i < j; i, j = i+1, j-1 {
				row[i], row[j] = row[j], row[i]
			}
		}
	}
}

// jitterHSV scales hue, saturation and value by random gains in
// [1−g, 1+g], as the reference's HSV augmentation does.
func jitterHSV(img image.Image, rng *rand.Rand, g [3]float64) image.Image {
	src := inference.ToRGBA(img)
	gh := 1 + (rng.Float64()*2-1)*g[0]
	gs := 1 + (rng.Float64()*2-1)*g[1]
	gv := 1 + (rng.Float64()*2-1)*g[2]
	out := image.NewRGBA(src.Bounds())
	for i := 0; i+3 < len(src.Pix); i += 4 {
		h, sat, v := rgbToHSV(src.Pix[i], src.Pix[i+1], src.Pix[i+2])
		h = math.Mod(h*gh, 360)
		sat, v = math.Min(1, sat*gs), math.Min(1, v*gv)
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = hsvToRGB(h, sat, v)
		out.Pix[i+3] = 255
	}
	return out
}

func rgbToHSV(r8, g8, b8 uint8) (h, s, v float64) {
	r, g, b := float64(r8)/255, float64(g8)/255, float64(b8)/255
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

func hsvToRGB(h, s, v float64) (uint8, uint8, uint8) {
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
	to8 := func(f float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, f+m)) * 255)) }
	return to8(r), to8(g), to8(b)
}
