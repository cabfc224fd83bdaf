package training

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

func loaderFor(t *testing.T, n int) *Loader {
	root := filepath.Join(t.TempDir(), "d")
	o := synth.Default(n)
	o.Width, o.Height = 96, 64
	synth.Generate(root, o)
	ds, _ := voc.Open(root)
	var ids []string
	for _, it := range ds.Items {
		ids = append(ids, it.ID)
	}
	s, err := LoadSplit(ds, ids, synth.Classes, 2)
	if err != nil {
		t.Fatal(err)
	}
	return &Loader{Samples: s, Size: 64, Batch: 2, Seed: 5, Aug: DefaultAugment}
}

func collect(l *Loader, epoch int) []Batch {
	var out []Batch
	for b := range l.Epoch(context.Background(), epoch) {
		out = append(out, b)
	}
	return out
}

// The same seed gives the same batches whatever the number of workers.
func TestLoaderDeterministic(t *testing.T) {
	l := loaderFor(t, 7)
	l.Workers = 1
	a := collect(l, 3)
	l.Workers = 3
	b := collect(l, 3)
	if len(a) != 3 || !reflect.DeepEqual(a, b) {
		t.Fatalf("%d batches; equal %v", len(a), reflect.DeepEqual(a, b))
	}
	if c := collect(l, 4); reflect.DeepEqual(a, c) {
		t.Fatal("another epoch gave the same batches")
	}
}

// A flip mirrors the picture and its boxes together.
func TestLoaderFlip(t *testing.T) {
	l := loaderFor(t, 2)
	l.Aug = Augment{}
	plain := collect(l, 0)[0]
	l.Aug = Augment{Flip: 1}
	flipped := collect(l, 0)[0]
	b0, f0 := plain.Targets.Boxes[0][0], flipped.Targets.Boxes[0][0]
	if math.Abs(f0[0]-(64-b0[0])) > 1e-9 || f0[1] != b0[1] || f0[2] != b0[2] {
		t.Fatalf("box %v flipped to %v", b0, f0)
	}
	if row := 30 * 64; plain.X[row+5] != flipped.X[row+63-5] || plain.X[row+5] == grey {
		t.Fatal("pixels not mirrored")
	}
}

func TestHSVRoundTrip(t *testing.T) {
	for _, c := range [][3]float64{{1, 0, 0}, {0.05, 0.8, 0.4}, {0, 0, 0}, {1, 1, 1}, {0.5, 0.25, 0.125}} {
		h, s, v := rgbToHSV(c[0], c[1], c[2])
		r, g, b := hsvToRGB(h, s, v)
		if math.Abs(r-c[0])+math.Abs(g-c[1])+math.Abs(b-c[2]) > 1e-9 {
			t.Fatalf("%v -> %v", c, [3]float64{r, g, b})
		}
	}
}

// Every augmented box lies inside the input, at least 1 px each way, and
// the full recipe (mosaic, mixup, jitter) stays deterministic.
func TestAugmentBoxesInside(t *testing.T) {
	l := loaderFor(t, 12)
	l.Aug = DefaultAugment
	l.Aug.Mosaic, l.Aug.Mixup = 1, 1
	n := 0
	for _, b := range collect(l, 1) {
		for _, boxes := range b.Targets.Boxes {
			for _, bx := range boxes {
				n++
				x1, y1, x2, y2 := bx[0]-bx[2]/2, bx[1]-bx[3]/2, bx[0]+bx[2]/2, bx[1]+bx[3]/2
				if x1 < -1e-9 || y1 < -1e-9 || x2 > 64+1e-9 || y2 > 64+1e-9 || bx[2] <= 1 || bx[3] <= 1 {
					t.Fatalf("box %v outside the 64x64 input", bx)
				}
			}
		}
	}
	if n < 12 { // 4 pictures per mosaic plus a mixed-in one, 1-3 objects each
		t.Fatalf("only %d boxes in 6 mosaic+mixup images", n)
	}
	if !reflect.DeepEqual(collect(l, 1), collect(l, 1)) {
		t.Fatal("not deterministic")
	}
}

// Mosaic stops after MosaicUntil of the epochs.
func TestMosaicSchedule(t *testing.T) {
	l := loaderFor(t, 4)
	l.Aug = Augment{Mosaic: 1, MosaicUntil: 0.5}
	l.Epochs = 10
	count := func(epoch int) int {
		n := 0
		for _, b := range collect(l, epoch) {
			for _, bx := range b.Targets.Boxes {
				n += len(bx)
			}
		}
		return n
	}
	plain := 0
	for _, s := range l.Samples {
		plain += len(s.Boxes)
	}
	if got := count(9); got != plain {
		t.Fatalf("epoch 9 of 10: %d boxes, want the %d of the plain pictures", got, plain)
	}
	if got := count(2); got == plain {
		t.Fatal("epoch 2 of 10 looks unmosaicked")
	}
}
