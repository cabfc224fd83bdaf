package inference

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/model/onnx"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// tinyGraph is images (1×3×16×16) → Conv 3→8 3×3 → Clip(0, 6) → MaxPool 3
// → Concat with the Clip → Conv 16→4 1×1 with bias → out: one of each
// kind of node the detector quantizes.
func tinyGraph(rng *rand.Rand) *pb.ModelProto {
	f := func(name string, dims []int64, n int, sd float64) *pb.TensorProto {
		raw := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(rng.NormFloat64()*sd)))
		}
		return &pb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw}
	}
	scalar := func(name string, v float32) *pb.TensorProto {
		raw := binary.LittleEndian.AppendUint32(nil, math.Float32bits(v))
		return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw}
	}
	ints := func(name string, v ...int64) *pb.AttributeProto {
		return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
	}
	node := func(op, name string, in []string, out string, attrs ...*pb.AttributeProto) *pb.NodeProto {
		return &pb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: []string{out}, Attribute: attrs}
	}
	vi := func(name string, c int64) *pb.ValueInfoProto {
		d := func(v int64) *pb.TensorShapeProto_Dimension {
			return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
		}
		return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: []*pb.TensorShapeProto_Dimension{d(1), d(c), d(16), d(16)}}}}}}
	}
	g := &pb.GraphProto{Name: proto.String("tiny"),
		Input:  []*pb.ValueInfoProto{vi("images", 3)},
		Output: []*pb.ValueInfoProto{vi("out", 4)},
		Initializer: []*pb.TensorProto{f("a.weight", []int64{8, 3, 3, 3}, 8*27, 0.4), f("a.bias", []int64{8}, 8, 0.1),
			f("b.weight", []int64{4, 16, 1, 1}, 64, 0.3), f("b.bias", []int64{4}, 4, 0.2), scalar("lo", 0), scalar("hi", 6)},
		Node: []*pb.NodeProto{
			node("Conv", "a", []string{"images", "a.weight", "a.bias"}, "a.out", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)),
			node("Clip", "a.act", []string{"a.out", "lo", "hi"}, "a.act"),
			node("MaxPool", "pool", []string{"a.act"}, "pool", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1)),
			node("Concat", "cat", []string{"pool", "a.act"}, "cat", &pb.AttributeProto{Name: proto.String("axis"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(1)}),
			node("Conv", "b", []string{"cat", "b.weight", "b.bias"}, "b.out", ints("kernel_shape", 1, 1)),
			node("Identity", "output", []string{"b.out"}, "out"), // as Export names its outputs
		}}
	return &pb.ModelProto{IrVersion: proto.Int64(8), OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(onnx.Opset)}}, Graph: g}
}

func runOne(t *testing.T, data []byte, x []float32, optimized string) []float32 {
	t.Helper()
	s, err := newSessionNamed(data, "images", []string{"out"}, Options{Threads: 1, OptimizedPath: optimized})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := make([]float32, len(x))
	copy(in, x)
	outs, err := s.Run(in, 1, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	return outs[0].Data
}

// A tiny graph, quantized with ranges calibrated on its own inputs and
// run in ONNX Runtime, gives the float outputs within the expected error:
// each output is off by at most 3 steps of its own int8 scale (half a step
// from rounding it, the rest carried from the input and the middle tensor),
// on average less than one; and the runtime does run it as int8 kernels.
func TestTinyGraphInt8MatchesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := tinyGraph(rng)
	fdata, _ := proto.Marshal(m)
	inputs := make([][]float32, 6)
	for i := range inputs {
		inputs[i] = make([]float32, 3*16*16)
		for k := range inputs[i] {
			inputs[i][k] = float32(rng.Float64())
		}
	}
	opt := onnx.QuantOptions{Activations: onnx.ActUint8}
	tensors := onnx.CalibrationTensors(m, opt)
	if strings.Join(tensors, ",") != "images,a.act,cat,b.out" {
		t.Fatalf("calibration tensors %v, want images, a.act, cat and b.out (pool shares a.act's)", tensors)
	}
	cdata, _ := proto.Marshal(onnx.WithOutputs(m, tensors))
	s, err := NewSession(cdata, tensors, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	ranges := map[string]onnx.Range{}
	for _, x := range inputs {
		outs, err := s.Run(append([]float32(nil), x...), 1, 16, 16)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			r, ok := ranges[tensors[i]]
			if !ok {
				r = onnx.Range{Lo: o.Data[0], Hi: o.Data[0]}
			}
			for _, v := range o.Data {
				r.Lo, r.Hi = min(r.Lo, v), max(r.Hi, v)
			}
			ranges[tensors[i]] = r
		}
	}
	s.Close()
	qm, err := onnx.Quantize(m, ranges, opt, onnx.CalibrationInfo{Images: len(inputs), Method: CalibMinMax})
	if err != nil {
		t.Fatal(err)
	}
	qdata, _ := proto.Marshal(qm)
	optimized := filepath.Join(t.TempDir(), "optimized.onnx")
	step := float64(ranges["b.out"].Hi-min(ranges["b.out"].Lo, 0)) / 255
	for i, x := range inputs {
		want := runOne(t, fdata, x, "")
		got := runOne(t, qdata, x, optimized)
		worst, sum := 0.0, 0.0
		for k := range want {
			d := math.Abs(float64(got[k] - want[k]))
			worst = max(worst, d)
			sum += d
		}
		mean := sum / float64(len(want))
		if i == 0 {
			t.Logf("output step %.4f: worst error %.4f (%.2f steps), mean %.4f (%.2f steps)", step, worst, worst/step, mean, mean/step)
		}
		if worst > 3*step || mean > step {
			t.Errorf("input %d: int8 off by up to %.4f (mean %.4f); expected within 3 steps of %.4f, mean within one", i, worst, mean, step)
		}
		if worst == 0 {
			t.Errorf("input %d: int8 output equals float exactly: not quantized?", i)
		}
	}
	var om pb.ModelProto
	b, err := os.ReadFile(optimized)
	if err != nil || proto.Unmarshal(b, &om) != nil {
		t.Fatalf("optimized model: %v", err)
	}
	ops := map[string]int{}
	for _, n := range om.Graph.Node {
		ops[n.GetOpType()]++
	}
	if ops["QLinearConv"] != 2 || ops["Conv"] != 0 || ops["Clip"] != 0 {
		t.Errorf("ONNX Runtime runs %v; want both convolutions as QLinearConv, the Clip folded in", ops)
	}
}

// Calibrating on a folder without pictures is an error naming the folder,
// not an int8 model with made-up scales; so is a folder that does not
// exist.
func TestCalibrationNeedsPictures(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(filepath.Join(empty, "Annotations"), 0o755)
	os.MkdirAll(filepath.Join(empty, "JPEGImages"), 0o755)
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("no pictures here"), 0o644)
	_, _, err := CalibrationImages(empty, 10)
	if !errors.Is(err, ErrNoCalibImages) || !strings.Contains(err.Error(), empty) {
		t.Fatalf("empty folder: %v", err)
	}
	if _, _, err := CalibrationImages(filepath.Join(dir, "missing"), 10); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing folder: %v", err)
	}
	if _, err := Calibrate(context.Background(), nil, nil, nil, CalibOptions{Size: 64}); !errors.Is(err, ErrNoCalibImages) {
		t.Fatalf("no images: %v", err)
	}
}
