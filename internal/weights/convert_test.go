package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/weights/weightstest"
	"github.com/labelloop/labelloop/model"
	pt "github.com/labelloop/labelloop/model/pth/pthtest"
)

// A VOC detector (20 classes) starts a 3-class network: every tensor but
// the three heads' last convolution (weight and bias) is taken, and the
// summary says so as Ultralytics does; into a 20-class network all of it.
func TestStartTransfersWhatFits(t *testing.T) {
	dir := t.TempDir()
	p, err := weightstest.Detector(dir, model.MobileNetV2, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		nc   int
		left []string
	}{
		{3, []string{"yolo_head3.1.weight", "yolo_head3.1.bias", "yolo_head2.1.weight", "yolo_head2.1.bias", "yolo_head1.1.weight", "yolo_head1.1.bias"}},
		{20, nil},
	} {
		g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: c.nc, InputSize: 96})
		tr, err := Start(p, g, 1)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(c.left)
		left := slices.Sorted(slices.Values(tr.Left))
		if tr.Total != len(g.Params) || tr.Taken != tr.Total-len(c.left) || !slices.Equal(left, c.left) || len(tr.Unused) != 0 {
			t.Fatalf("%d classes: taken %d of %d, left %v, unused %v", c.nc, tr.Taken, tr.Total, tr.Left, tr.Unused)
		}
		want := model.FixtureWeights(g)
		name := "backbone.model.features.3.conv.0.1.running_var"
		if !slices.Equal(tr.Weights[name], want[name]) {
			t.Fatalf("%s not taken", name)
		}
		sum := tr.Summary("voc.pth")
		t.Log(sum)
		if !strings.HasPrefix(sum, fmt.Sprintf("transferred %d of %d tensors from voc.pth", tr.Taken, tr.Total)) ||
			(c.nc == 3 && !strings.Contains(sum, "yolo_head1.1.weight")) {
			t.Fatal(sum)
		}
	}
}

// A bare ImageNet backbone (torchvision's names, with its classifier)
// gives the backbone; the neck and heads start fresh.
func TestStartFromBackbone(t *testing.T) {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 2, InputSize: 96})
	var ts []pt.Tensor
	nb := 0
	for _, p := range g.Params {
		if name, ok := strings.CutPrefix(p.Name, "backbone.model."); ok && p.Kind != model.BNCount {
			ts = append(ts, pt.Tensor{Name: name, Shape: p.Shape, Values: make([]float64, p.Size())})
			nb++
		}
	}
	p := filepath.Join(t.TempDir(), "mobilenet_v2.pth")
	if err := os.WriteFile(p, pt.Zip(ts, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Start(p, g, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Prefixed || tr.Taken != nb || tr.Total != len(g.Params) {
		t.Fatalf("prefixed %v, taken %d (want %d) of %d", tr.Prefixed, tr.Taken, nb, tr.Total)
	}
	if _, err := Start(p, mustBuild(model.MobileNetV1), 0); err == nil || !strings.Contains(err.Error(), "none of its") {
		t.Fatalf("a V2 backbone into V1: %v", err)
	}
}

func mustBuild(bb string) *model.Graph {
	g, err := model.Build(model.Config{Backbone: bb, NumClasses: 2, InputSize: 96})
	if err != nil {
		panic(err)
	}
	return g
}

// Convert writes the VOC detector as a checkpoint with its 20 classes.
func TestConvertDetector(t *testing.T) {
	dir := t.TempDir()
	p, err := weightstest.Detector(dir, model.MobileNetV1, 20)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := For(Detector, model.MobileNetV1)
	out := filepath.Join(dir, "voc.safetensors")
	if _, err := Convert(p, e, 416, out); err != nil {
		t.Fatal(err)
	}
	ck, w, err := model.LoadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := model.Build(ck.Config())
	want := model.FixtureWeights(g)
	if len(ck.Classes) != 20 || ck.Classes[14] != "person" || !slices.Equal(w["yolo_head1.1.weight"], want["yolo_head1.1.weight"]) {
		t.Fatalf("%+v", ck)
	}
	bb, _ := For(Backbone, model.MobileNetV1)
	if _, err := Convert(p, bb, 416, out); err == nil {
		t.Fatal("a backbone converted as a detector")
	}
	if _, err := Convert(p, Entry{Kind: Detector, Backbone: model.MobileNetV2}, 416, out); err == nil {
		t.Fatal("a V1 detector converted as V2")
	}
}
