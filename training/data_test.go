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
	if plain.X[5] != flipped.X[63-5] {
		t.Fatal("pixels not mirrored")
	}
}

func TestHSVRoundTrip(t *testing.T) {
	for _, c := range [][3]uint8{{255, 0, 0}, {12, 200, 99}, {0, 0, 0}, {255, 255, 255}, {128, 64, 32}} {
		h, s, v := rgbToHSV(c[0], c[1], c[2])
		r, g, b := hsvToRGB(h, s, v)
		if r != c[0] || g != c[1] || b != c[2] {
			t.Fatalf("%v -> %v", c, [3]uint8{r, g, b})
		}
	}
}
