package training

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

// A checkpoint gives the same detections through ONNX Runtime (the
// exported file) and through libtorch (the trainer's network): same image,
// same pre-processing, same decode and NMS.
func TestSameDetectionsORTAndLibtorch(t *testing.T) {
	ck := &model.Checkpoint{Backbone: model.MobileNetV3, Classes: synth.Classes, Anchors: model.DefaultAnchors, InputSize: 160}
	g, _ := model.Build(ck.Config())
	sameDetections(t, ck, model.FixtureWeights(g), 0.3)
}

// The same with a checkpoint the trainer wrote after a short run.
func TestSameDetectionsTrainedCheckpoint(t *testing.T) {
	root := splitDataset(t, 30)
	// anchors scaled to the 64-px input: the seed's own (up to 459 px)
	// leave three epochs with a near-flat model whose candidates tie to
	// 1e-7, and greedy NMS then keeps whichever tie sorts first
	cfg := Config{Dataset: root, Backbone: model.MobileNetV2, InputSize: 64, Batch: 4, Epochs: 3, LR: 3e-3, Augment: "flip",
		Anchors: "scaled", Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	dir, err := Run(context.Background(), cfg, func(Event) {})
	if err != nil {
		t.Fatal(err)
	}
	ck, w, err := model.LoadCheckpoint(filepath.Join(dir, "weights", "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	sameDetections(t, ck, w, 0.01)
}

func sameDetections(t *testing.T, ck *model.Checkpoint, w map[string][]float32, conf float32) {
	g, _ := model.Build(ck.Config())
	size := ck.InputSize
	data, err := onnx.Marshal(g, w, onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(1))
	pic, err := imgload.Load(filepath.Join(root, "JPEGImages", "shapes-00000.jpg"), 0)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 3*size*size)
	frame, _ := detect.Preprocess(pic.Img, pic.W, pic.H, size, true, x)

	sess, err := inference.NewSession(data, onnx.OutputNames[:], inference.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	ortOut, err := sess.Run(x, 1, size, size)
	if err != nil {
		t.Fatal(err)
	}

	net, err := NewNet(g, w, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	in, _ := ts.NewTensorFromData(x, []int64{1, 3, int64(size), int64(size)})
	defer in.MustDrop()
	var outs [3]*ts.Tensor
	runtime.LockOSThread() // grad mode is per OS thread
	defer runtime.UnlockOSThread()
	ts.NoGrad(func() { outs = net.Forward(in, false) })
	torchOut := make([]detect.Output, 3)
	for k := range outs {
		torchOut[k] = detect.Output{Shape: outs[k].MustSize(), Data: outs[k].Vals().([]float32)}
		outs[k].MustDrop()
		d := 0.0
		for i := range torchOut[k].Data {
			d = math.Max(d, math.Abs(float64(torchOut[k].Data[i]-ortOut[k].Data[i])))
		}
		if d > 1e-4 {
			t.Fatalf("head %d differs by %g", k, d)
		}
	}
	detectAll := func(o []detect.Output) []detect.Detection {
		d := detect.NMS(detect.Decode(o, 0, len(ck.Classes), size, ck.Anchors, conf), 0.3, false)
		return detect.ToOriginal(d, frame)
	}
	a, b := detectAll(ortOut), detectAll(torchOut)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d detections through ONNX Runtime, %d through libtorch", len(a), len(b))
	}
	// as sets: scores equal to 1e-7 may sort either way
	used := make([]bool, len(b))
	for i, d := range a {
		found := false
		for j, e := range b {
			if !used[j] && d.Class == e.Class && math.Abs(float64(d.Score-e.Score)) < 1e-4 &&
				math.Abs(d.Box.Xmin-e.Box.Xmin) < 1e-2 && math.Abs(d.Box.Ymin-e.Box.Ymin) < 1e-2 &&
				math.Abs(d.Box.Xmax-e.Box.Xmax) < 1e-2 && math.Abs(d.Box.Ymax-e.Box.Ymax) < 1e-2 {
				used[j], found = true, true
				break
			}
		}
		if !found {
			t.Fatalf("detection %d through ONNX Runtime has no match through libtorch: %+v", i, d)
		}
	}
	t.Logf("%d identical detections", len(a))
}
