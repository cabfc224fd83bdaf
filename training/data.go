package training

import (
	"context"
	"math/rand/v2"
	"sync"
)

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
	Epochs  int  // the run's length, for Aug.MosaicUntil (0: mosaic in every epoch)
	Stretch bool // plain resize to the square instead of letterbox, where not augmenting
	Partial bool // keep the last, smaller batch (evaluation, where BatchNorm uses its running statistics)
}

// Epoch streams the batches of one epoch (the last partial batch is
// dropped unless l.Partial, as training's BatchNorm needs full ones) until
// ctx is done.
func (l *Loader) Epoch(ctx context.Context, epoch int) <-chan Batch {
	order := rand.New(rand.NewPCG(l.Seed, uint64(epoch))).Perm(len(l.Samples))
	nb := len(order) / l.Batch
	if l.Partial && len(order)%l.Batch != 0 {
		nb++
	}
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
				results[b] <- l.make(order[b*l.Batch:min((b+1)*l.Batch, len(order))], epoch, b)
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
	a := l.Aug
	mosaicOn := a.Mosaic > 0 && (l.Epochs == 0 || float64(epoch) <= a.MosaicUntil*float64(l.Epochs))
	for k, i := range idx {
		r := rand.New(rand.NewPCG(l.Seed^uint64(epoch)<<32, uint64(i)))
		c := newCanvas(s, bt.X[k*3*s*s:(k+1)*3*s*s])
		var err error
		switch {
		case mosaicOn && r.Float64() < a.Mosaic:
			err = l.mosaic(c, i, r)
			if err == nil && r.Float64() < a.Mixup {
				err = l.mixup(c, r)
			}
		case a.Scale != [2]float64{}:
			err = l.single(c, i, r)
		default:
			err = l.letterbox(c, i, r)
		}
		if err != nil {
			return Batch{Err: err}
		}
		if a.HSV != [3]float64{} {
			c.jitterHSV(r, a.HSV)
		}
		boxes := make([][4]float64, len(c.boxes))
		for j, bx := range c.boxes {
			boxes[j] = [4]float64{(bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2, bx[2] - bx[0], bx[3] - bx[1]}
		}
		bt.Targets.Boxes = append(bt.Targets.Boxes, boxes)
		bt.Targets.Classes = append(bt.Targets.Classes, c.classes)
	}
	return bt
}
