package usecase

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/voc"
)

// fixtureDetector is the fixture formula's network for the synth classes,
// small, through ONNX Runtime: it finds boxes everywhere, as tests want.
func fixtureDetector(t *testing.T) *inference.Detector {
	t.Helper()
	ck := &model.Checkpoint{Backbone: model.MobileNetV2, Classes: synth.Classes, Anchors: model.DefaultAnchors, InputSize: 160, Resize: "letterbox"}
	g, err := model.Build(ck.Config())
	if err != nil {
		t.Fatal(err)
	}
	data, err := onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors, ResizeMode: ck.Resize})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "fixture.onnx")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	det, err := inference.Load(p, inference.LoadOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := det.Close(); err != nil {
			t.Error(err)
		}
	})
	return det
}

func unlabelled(t *testing.T, n int) *voc.Dataset {
	t.Helper()
	root := filepath.Join(t.TempDir(), "data")
	o := synth.Default(2)
	o.Unlabelled = n
	if err := synth.Generate(root, o); err != nil {
		t.Fatal(err)
	}
	ds, err := voc.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Autolabel reports progress per image and stops between images when
// cancelled, leaving what it wrote complete.
func TestAutolabelProgressCancel(t *testing.T) {
	det, ds := fixtureDetector(t), unlabelled(t, 4)
	had := map[string]bool{}
	for _, it := range ds.Items {
		had[it.Image] = it.XML != ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	var seen []int
	r := Autolabel(ctx, ds, det, detect.DisplayThresholds, false, func(done, total int) {
		if total != 4 {
			t.Errorf("total %d, want 4", total)
		}
		seen = append(seen, done)
		if done == 2 {
			cancel()
		}
	})
	if !r.Cancelled || r.Written != 2 || len(seen) != 3 || len(r.Failed) != 0 {
		t.Fatalf("%+v, progress %v", r, seen)
	}
	for _, it := range ds.Items {
		if it.XML != "" && !had[it.Image] {
			a, err := voc.LoadAnnotation(it.XML)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Objects) == 0 || a.Prelabelled != "fixture.onnx" {
				t.Fatalf("%s: %d objects, pre-labelled by %q", it.XML, len(a.Objects), a.Prelabelled)
			}
		}
	}
}

// A picture that cannot be read is one failure naming its file; the
// others are labelled, and the broken one gets no annotation.
func TestAutolabelFailuresPerFile(t *testing.T) {
	det, ds := fixtureDetector(t), unlabelled(t, 3)
	var broken string
	for _, it := range ds.Items {
		if it.XML == "" {
			broken = it.Image
			data, _ := os.ReadFile(broken)
			os.WriteFile(broken, data[:len(data)/3], 0o644) // a truncated JPEG
			break
		}
	}
	r := Autolabel(context.Background(), ds, det, detect.DisplayThresholds, false, nil)
	if len(r.Failed) != 1 || r.Failed[0].Path != broken || !strings.Contains(r.Failed[0].Error(), broken) || r.Written != 2 || r.Skipped != 2 {
		t.Fatalf("%+v", r)
	}
	var fe FileError
	if !errors.As(error(r.Failed[0]), &fe) || fe.Unwrap() == nil {
		t.Fatalf("failure %v is not a FileError with its cause", r.Failed[0])
	}
	if _, err := os.Stat(ds.XMLPathFor(broken)); !os.IsNotExist(err) {
		t.Fatalf("the broken picture got an annotation: %v", err)
	}
}

// Objects names each detection's class and keeps its box.
func TestObjects(t *testing.T) {
	dets := []detect.Detection{{Class: 1, Score: .9, Box: voc.Box{Xmin: 1, Ymin: 2, Xmax: 3, Ymax: 4}}, {Class: 0, Score: .5}}
	objs := Objects(dets, []string{"cat", "dog"})
	if len(objs) != 2 || objs[0].Name != "dog" || objs[0].Box != dets[0].Box || objs[1].Name != "cat" {
		t.Fatalf("%+v", objs)
	}
}
