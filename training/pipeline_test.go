package training

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/pix/pixtest"
	"github.com/labelloop/labelloop/voc"
)

// variantSet writes a dataset holding the picture stored in every way
// the pipeline reads, one box each.
func variantSet(t *testing.T) (*voc.Dataset, []string) {
	root := t.TempDir()
	img := filepath.Join(root, "JPEGImages")
	os.MkdirAll(img, 0o755)
	os.MkdirAll(filepath.Join(root, "Annotations"), 0o755)
	src := pixtest.Photo(150, 100, 21)
	vs := append(pixtest.Variants(), pixtest.Variant{Name: "odd-sampling", Ext: ".jpg",
		Args: []string{"-interlace", "Plane", "-sampling-factor", "2x1,1x2,1x1"}})
	var ids []string
	for _, v := range vs {
		p, err := pixtest.Write(img, src, v, "")
		if err != nil {
			t.Fatal(err)
		}
		a := voc.NewAnnotation(filepath.Base(p), 150, 100, 3)
		a.Objects = []voc.Object{{Name: "fruit", Box: voc.Box{Xmin: 20, Ymin: 10, Xmax: 90, Ymax: 70}}}
		data, _ := a.Marshal()
		os.WriteFile(filepath.Join(root, "Annotations", v.Name+".xml"), data, 0o644)
		ids = append(ids, v.Name)
	}
	ds, err := voc.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return ds, ids
}

// Every file check accepts, training's loader reads, to the same network
// input that predict gives it (letterbox, no augmentation): the issue's
// progressive 4:2:2 JPEG that stopped a run among them.
func TestLoaderReadsWhatCheckAcceptsAsPredictDoes(t *testing.T) {
	ds, ids := variantSet(t)
	rep, err := voc.Check(ds, voc.CheckOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors() != 0 {
		t.Fatalf("check finds errors in ordinary files: %v", rep.Issues)
	}
	samples, err := LoadSplit(ds, ids, []string{"fruit"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	const size = 96
	for _, s := range samples {
		l := &Loader{Samples: []Sample{s}, Size: size, Batch: 1, Seed: 1}
		b := collect(l, 0)
		if len(b) != 1 || b[0].Err != nil {
			t.Fatalf("%s: loader: %+v", s.Image, b)
		}
		img, err := pix.Decode(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, 3*size*size)
		if _, err := detect.Preprocess(img, img.Rect.Dx(), img.Rect.Dy(), size, true, want); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if b[0].X[i] != want[i] {
				t.Fatalf("%s: input value %d is %v in training, %v in predict", filepath.Base(s.Image), i, b[0].X[i], want[i])
			}
		}
	}
}

// A picture that cannot be decoded stops its batch with an error naming
// the file, never grey filler.
func TestLoaderRefusesCorruptImage(t *testing.T) {
	ds, ids := variantSet(t)
	samples, err := LoadSplit(ds, ids[:2], []string{"fruit"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(samples[0].Image)
	os.WriteFile(samples[0].Image, data[:len(data)/2], 0o644)
	l := &Loader{Samples: samples[:1], Size: 64, Batch: 1}
	b := collect(l, 0)
	if len(b) != 1 || b[0].Err == nil || !strings.Contains(b[0].Err.Error(), samples[0].Image) || !strings.Contains(b[0].Err.Error(), "truncated") && !strings.Contains(b[0].Err.Error(), "Premature end") {
		t.Fatalf("truncated picture: %+v", b)
	}
}

// A dataset of every stored variant trains end to end with the full
// augmentation recipe (mosaic, mixup, jitter, flips): no stop.
func TestRunTrainsOnEveryVariant(t *testing.T) {
	ds, _ := variantSet(t)
	plan, err := voc.PlanSplit(ds, voc.DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.WriteImageSets(ds); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Dataset: ds.Root, InputSize: 64, Batch: 4, Epochs: 2, EvalEvery: 1, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	var msgs []string
	_, err = Run(context.Background(), cfg, func(e Event) {
		if e.Event == "error" {
			msgs = append(msgs, e.Message)
		}
	})
	if err != nil || len(msgs) > 0 {
		t.Fatalf("run stopped: %v %v", err, msgs)
	}
}
