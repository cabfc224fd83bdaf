package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// Export refuses, naming the tensor, weights that are not finite, an
// unknown resize mode, class names a dataset could not hold and anchors
// that are not positive: what it writes, ReadModelInfo accepts.
func TestExportRefusesWhatCannotBeRead(t *testing.T) {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV3, NumClasses: 2, InputSize: 64})
	good := Meta{Classes: []string{"a", "b"}, Anchors: model.DefaultAnchors}
	w := model.FixtureWeights(g)
	w["yolo_head1.1.bias"][2] = float32(math.Inf(1))
	if _, err := Export(g, w, good); err == nil || !strings.Contains(err.Error(), "yolo_head1.1.bias: value 2 is +Inf") {
		t.Fatalf("inf weight: %v", err)
	}
	w = model.FixtureWeights(g)
	zero := good
	zero.Anchors = [9][2]float64{}
	for _, c := range []struct {
		meta Meta
		want string
	}{
		{Meta{Classes: []string{"a", "b\nc"}, Anchors: model.DefaultAnchors}, "class 2"},
		{Meta{Classes: []string{"a", "b"}, Anchors: model.DefaultAnchors, ResizeMode: "stretch"}, "resize mode"},
		{Meta{Classes: []string{"a", "a"}, Anchors: model.DefaultAnchors}, "twice"},
		{zero, "anchors"},
	} {
		if _, err := Export(g, w, c.meta); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.meta, err, c.want)
		}
	}
	if _, err := Export(g, w, good); err != nil {
		t.Fatal(err)
	}
}
