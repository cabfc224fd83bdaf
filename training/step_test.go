package training

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/voc"
)

// loadBatch letterboxes images to size and maps their boxes into input
// pixels (centre, width, height).
func loadBatch(t *testing.T, samples []Sample, size int) (*ts.Tensor, BatchTargets) {
	x := make([]float32, len(samples)*3*size*size)
	var tgt BatchTargets
	for i, s := range samples {
		pic, err := imgload.Load(s.Image, 0)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := detect.Preprocess(pic.Img, pic.W, pic.H, size, true, x[i*3*size*size:(i+1)*3*size*size])
		var boxes [][4]float64
		for _, b := range s.Boxes {
			x1, y1 := b.Xmin*f.ScaleX+f.DX, b.Ymin*f.ScaleY+f.DY
			x2, y2 := b.Xmax*f.ScaleX+f.DX, b.Ymax*f.ScaleY+f.DY
			boxes = append(boxes, [4]float64{(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1})
		}
		tgt.Boxes = append(tgt.Boxes, boxes)
		tgt.Classes = append(tgt.Classes, s.Classes)
	}
	in, err := ts.NewTensorFromData(x, []int64{int64(len(samples)), 3, int64(size), int64(size)})
	if err != nil {
		t.Fatal(err)
	}
	return in, tgt
}

// Training steps drive the reference loss down on a fixed batch: the
// network, loss, backward pass and optimizer work together, and BatchNorm
// updates its running statistics.
func TestStepsLowerTheLoss(t *testing.T) {
	root := filepath.Join(t.TempDir(), "d")
	o := synth.Default(4)
	o.Width, o.Height, o.MinSize, o.MaxSize = 64, 64, 16, 40
	synth.Generate(root, o)
	ds, _ := voc.Open(root)
	samples, err := LoadSplit(ds, []string{"shapes-00000", "shapes-00001", "shapes-00002", "shapes-00003"}, synth.Classes, 4)
	if err != nil {
		t.Fatal(err)
	}
	const size = 64
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: size})
	net, err := NewTrainable(g, model.FixtureWeights(g), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	opt, err := NewOptimizer(net, "adam", 1e-3, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Free()
	x, tgt := loadBatch(t, samples, size)
	defer x.MustDrop()
	anchors := model.AnchorsFor(size)
	meanBefore := net.Params["backbone.model.features.0.1.running_mean"].Vals().([]float32)[0]
	var first, last LossParts
	for step := 0; step < 40; step++ {
		p, err := Step(net, opt, x, tgt, anchors, LossOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(p.Total) || math.IsInf(p.Total, 0) {
			t.Fatalf("step %d: loss %v", step, p.Total)
		}
		if step == 0 {
			first = p
		}
		last = p
	}
	t.Logf("loss %.3f (box %.3f obj %.3f cls %.3f) -> %.3f (box %.3f obj %.3f cls %.3f)",
		first.Total, first.Box, first.Obj, first.Cls, last.Total, last.Box, last.Obj, last.Cls)
	if last.Total > 0.5*first.Total {
		t.Fatalf("loss fell only from %.3f to %.3f", first.Total, last.Total)
	}
	if first.Box == 0 || first.Cls == 0 {
		t.Fatal("no positive anchors: the box and class terms were never computed")
	}
	if meanAfter := net.Params["backbone.model.features.0.1.running_mean"].Vals().([]float32)[0]; meanAfter == meanBefore {
		t.Fatal("BatchNorm running statistics did not move in training mode")
	}
}
