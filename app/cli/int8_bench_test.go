package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// int8Pair writes a backbone's float model at 416 (fixture weights, 3
// classes) and its int8 form calibrated on the pictures of data, with
// the given activation type.
func int8Pair(t *testing.T, bb, data, acts string) (fp32, int8 string) {
	g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 3, InputSize: 416})
	m, err := onnx.Export(g, model.FixtureWeights(g), onnx.Meta{Classes: synth.Classes, Anchors: model.DefaultAnchors})
	if err != nil {
		t.Fatal(err)
	}
	q, err := inference.Int8(context.Background(), m, 416, true, inference.Int8Options{CalibDir: data, Images: 16, Activations: acts})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fp32, int8 = filepath.Join(dir, bb+".onnx"), filepath.Join(dir, bb+"-int8-"+acts+".onnx")
	fd, _ := proto.Marshal(m)
	os.WriteFile(fp32, fd, 0o644)
	os.WriteFile(int8, q, 0o644)
	// what ONNX Runtime runs after its fusions: int8 kernels, float only
	// where asked
	opt := filepath.Join(dir, "optimized.onnx")
	s, err := inference.NewSession(q, onnx.OutputNames[:], inference.Options{Threads: 1, OptimizedPath: opt})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var om pb.ModelProto
	b, _ := os.ReadFile(opt)
	if err := proto.Unmarshal(b, &om); err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, n := range om.Graph.Node {
		ops[n.GetOpType()]++
	}
	floatConvs := 3 // the heads
	if bb == model.MobileNetV3 {
		floatConvs += 16 // squeeze-and-excite's fully connected layers
	}
	t.Logf("%s int8 (%s activations) as ONNX Runtime runs it: %v", bb, acts, ops)
	if acts == onnx.ActUint8 && (ops["QLinearConv"] == 0 || ops["Conv"] != floatConvs) {
		t.Errorf("%s: ONNX Runtime runs %d QLinearConv and %d float Conv, want %d float", bb, ops["QLinearConv"], ops["Conv"], floatConvs)
	}
	return fp32, int8
}

// interleaved times the two models on the same picture, alternating one
// run of each (after a warm-up), and returns the median network and whole
// (decode, pre, network, post) times of each.
func interleaved(t *testing.T, paths [2]string, img string, threads, runs int) (net, total [2]float64) {
	var dets [2]*inference.Detector
	for i, p := range paths {
		d, err := inference.Load(p, inference.LoadOptions{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		dets[i] = d
		for range 3 {
			d.DetectFile(img, detect.DisplayThresholds)
		}
	}
	var nets, tots [2][]time.Duration
	for r := 0; r < runs; r++ {
		for i, d := range dets {
			_, _, tm, err := d.DetectFile(img, detect.DisplayThresholds)
			if err != nil {
				t.Fatal(err)
			}
			nets[i] = append(nets[i], tm.Net)
			tots[i] = append(tots[i], tm.Total())
		}
	}
	for i := range dets {
		net[i], total[i] = medianMS(nets[i]), medianMS(tots[i])
	}
	return net, total
}

// TestBenchInt8Latency is the int8 export's speed bar: at 416, batch 1,
// 2 and 1 threads, all three backbones, int8 against float interleaved in
// one run; MobileNetV2's network must be >= 1.8x faster at both thread
// counts. uint8 against int8 activations on V2 shows why uint8 is the
// default.
func TestBenchInt8Latency(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	data := filepath.Join(t.TempDir(), "data")
	o := synth.Default(16)
	o.Width, o.Height = 640, 480
	synth.Generate(data, o)
	img := filepath.Join(data, "JPEGImages", "shapes-00000.jpg")
	for _, bb := range model.Backbones {
		fp32, int8 := int8Pair(t, bb, data, onnx.ActUint8)
		for _, threads := range []int{2, 1} {
			net, total := interleaved(t, [2]string{fp32, int8}, img, threads, 30)
			ratio := net[0] / net[1]
			t.Logf("%s, 416, batch 1, %d thread(s): network fp32 %.1f ms, int8 %.1f ms: %.2fx; whole picture fp32 %.1f ms, int8 %.1f ms: %.2fx; network share fp32 %.0f%%, int8 %.0f%%",
				bb, threads, net[0], net[1], ratio, total[0], total[1], total[0]/total[1], 100*net[0]/total[0], 100*net[1]/total[1])
			if bb == model.MobileNetV2 && ratio < 1.8 {
				t.Errorf("%s, %d thread(s): int8 network only %.2fx faster than fp32, bar is 1.8x", bb, threads, ratio)
			}
		}
	}
	_, u8 := int8Pair(t, model.MobileNetV2, data, onnx.ActUint8)
	_, s8 := int8Pair(t, model.MobileNetV2, data, onnx.ActInt8)
	for _, threads := range []int{2, 1} {
		net, _ := interleaved(t, [2]string{u8, s8}, img, threads, 20)
		t.Logf("mobilenetv2 int8, %d thread(s): uint8 activations %.1f ms, int8 activations %.1f ms (%.2fx)", threads, net[0], net[1], net[1]/net[0])
		if net[0] > net[1] {
			t.Errorf("%d thread(s): uint8 activations (%.1f ms) slower than int8 (%.1f ms): the default is wrong here", threads, net[0], net[1])
		}
	}
}

// int8Data writes the accuracy bench's dataset: the learning test's 360
// generated 160×160 pictures (seed 11; 300 train, 60 val) and 100 more
// held out as the test split.
func int8Data(root string) error {
	o := synth.Default(460)
	o.Seed = 11
	if err := synth.Generate(root, o); err != nil {
		return err
	}
	var lists [3][]string
	for i := 0; i < 460; i++ {
		k := 0
		if i >= 360 {
			k = 2
		} else if i >= 300 {
			k = 1
		}
		lists[k] = append(lists[k], fmt.Sprintf("shapes-%05d", i))
	}
	sets := filepath.Join(root, "ImageSets", "Main")
	os.MkdirAll(sets, 0o755)
	for k, name := range []string{"train", "val", "test"} {
		if err := os.WriteFile(filepath.Join(sets, name+".txt"), []byte(strings.Join(lists[k], "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// int8Checkpoint is a detector trained by the worker on int8Data (the
// learning test's recipe, 900 steps), kept in .bench/int8 for the next run.
func int8Checkpoint(t *testing.T) (ck, data string) {
	root, _ := filepath.Abs("../../.bench/int8")
	data = filepath.Join(root, "data")
	ck = filepath.Join(root, "train-1", "weights", "best.safetensors")
	if _, err := os.Stat(ck); err == nil {
		return ck, data
	}
	os.RemoveAll(root)
	if err := int8Data(data); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"dataset":%q,"backbone":"mobilenetv2","input_size":128,"epochs":1000,"batch":16,"max_steps":900,"lr":0.003,"augment":"flip","anchors":"scaled","eval_every":4,"seed":0,"project":%q}`, data, root)
	os.WriteFile(filepath.Join(root, "run.json"), []byte(cfg), 0o644)
	worker, _ := filepath.Abs("../../bin/labelloop-train")
	cmd := exec.Command(worker, "train", "--config", filepath.Join(root, "run.json"))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, _ := cmd.StdoutPipe()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v (make build first)", worker, err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Event   string
			Epoch   int
			Metrics map[string]float64
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event == "eval" {
			t.Logf("training the int8 bench's detector: epoch %d, val mAP@0.5 %.3f (%.1f min)", e.Epoch, e.Metrics["map50"], time.Since(t0).Minutes())
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("training: %v\n%s", err, errb.String())
	}
	return ck, data
}

// evalJSON is labelloop eval --json on a folder's labelled pictures.
func evalJSON(t *testing.T, modelPath, data string) detect.Metrics {
	code, stdout, stderr := run("eval", "--model", modelPath, "--json", data)
	var m detect.Metrics
	if code != 0 || json.Unmarshal([]byte(stdout), &m) != nil {
		t.Fatalf("eval %s: %d\n%s", modelPath, code, stderr)
	}
	return m
}

// TestBenchInt8Accuracy is the int8 export's accuracy bar: a detector
// trained to mAP@0.5 >= 0.6 on held-out pictures, quantized with each
// calibration method and with more or less kept in float; the default
// must stay within 1 point of mAP@0.5 of the float model. The same
// calibration pictures must give the same bytes.
func TestBenchInt8Accuracy(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	ck, data := int8Checkpoint(t)
	c, w, err := model.LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := model.Build(c.Config())
	m, err := onnx.Export(g, w, onnx.Meta{Classes: c.Classes, Anchors: c.Anchors, ResizeMode: c.Resize})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fp32 := filepath.Join(dir, "fp32.onnx")
	fd, _ := proto.Marshal(m)
	os.WriteFile(fp32, fd, 0o644)
	// held out: 400 pictures of another seed (about 800 objects), so that
	// a point of mAP is more than a few boxes
	heldOut := filepath.Join(dir, "held-out")
	o := synth.Default(400)
	o.Seed = 12
	if err := synth.Generate(heldOut, o); err != nil {
		t.Fatal(err)
	}
	base := evalJSON(t, fp32, heldOut)
	t.Logf("float: mAP@0.5 %.4f, mAP@0.5:0.95 %.4f on %d held-out pictures", base.MAP50, base.MAP5095, base.Images)
	if base.MAP50 < 0.6 {
		t.Fatalf("the trained detector has mAP@0.5 %.3f, the bench needs >= 0.6", base.MAP50)
	}
	images, split, err := inference.CalibrationImages(data, inference.DefaultCalibImages)
	if err != nil {
		t.Fatal(err)
	}
	letterbox := c.Resize != "plain"
	type variant struct {
		name, method string
		float        []string
	}
	variants := []variant{
		{"min/max", inference.CalibMinMax, onnx.DefaultFloat},
		{"percentile 99.99", inference.CalibPercentile, onnx.DefaultFloat},
		{"entropy", inference.CalibEntropy, onnx.DefaultFloat},
		{"percentile, heads int8 too", inference.CalibPercentile, []string{"fc."}},
		{"percentile, SPP also float", inference.CalibPercentile, append(slices.Clone(onnx.DefaultFloat), "SPP.", "conv2.0")},
	}
	stats := map[string]*inference.CalibStats{}
	var defaultBytes []byte
	for _, v := range variants {
		key := strings.Join(v.float, ",")
		q := inference.Int8Options{CalibDir: data, Method: v.method, Float: v.float}
		st := stats[key]
		if st == nil {
			t0 := time.Now()
			withHist := q // histograms too, for every method
			withHist.Method = inference.CalibPercentile
			if st, err = inference.CalibrateModel(context.Background(), m, c.InputSize, letterbox, images, withHist); err != nil {
				t.Fatal(err)
			}
			stats[key] = st
			t.Logf("calibration on %d pictures (%s split): %.1f s", len(images), split, time.Since(t0).Seconds())
		}
		qd, err := inference.QuantizeModel(m, st, split, q)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "int8.onnx")
		os.WriteFile(p, qd, 0o644)
		r := evalJSON(t, p, heldOut)
		d := r.MAP50 - base.MAP50
		isDefault := v.method == inference.DefaultCalibMethod && slices.Equal(v.float, onnx.DefaultFloat)
		mark := ""
		if isDefault {
			mark = " (default)"
			defaultBytes = qd
		}
		t.Logf("int8 %s%s: mAP@0.5 %.4f (%+.1f points), mAP@0.5:0.95 %.4f (%+.1f points)", v.name, mark, r.MAP50, 100*d, r.MAP5095, 100*(r.MAP5095-base.MAP5095))
		if isDefault && d < -0.01 {
			t.Errorf("default int8 mAP@0.5 %.4f is %.1f points below float's %.4f, bar is 1 point", r.MAP50, -100*d, base.MAP50)
		}
	}
	// determinism: a fresh calibration of the same pictures, same bytes
	again, err := inference.Int8(context.Background(), m, c.InputSize, letterbox, inference.Int8Options{CalibDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, defaultBytes) {
		t.Errorf("two calibrations on the same %d pictures gave different int8 models", len(images))
	} else {
		t.Logf("determinism: a second calibration on the same %d pictures gave the same %d bytes", len(images), len(again))
	}
}
