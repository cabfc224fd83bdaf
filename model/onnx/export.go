// Package onnx writes the detector described by package model as an ONNX
// model, in pure Go: BatchNorm folded into the convolutions, ReLU6 as Clip,
// h-swish as HardSwish, nearest Resize, a dynamic batch, the three raw head
// outputs named by stride, and metadata that makes the file
// self-describing (classes, anchors, input size, backbone, resize mode).
package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/internal/classname"
	"github.com/labelloop/labelloop/model"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// Opset is the ONNX operator set written (HardSwish needs 14).
const Opset = 17

// BNEps is BatchNorm's epsilon in the reference.
const BNEps = 1e-5

// InputName is the model's input: N×3×H×W, RGB scaled to 0..1.
const InputName = "images"

// OutputNames are the head outputs in model order (strides 32, 16, 8).
var OutputNames = [3]string{"stride32", "stride16", "stride8"}

// Weights maps state-dict names to values (row-major, float32).
type Weights map[string][]float32

// Meta is what the file says about itself in metadata_props.
type Meta struct {
	Classes    []string
	Anchors    [9][2]float64
	ResizeMode string // "letterbox" or "plain"
}

// Metadata keys.
const (
	KeyClasses   = "labelloop.classes"
	KeyAnchors   = "labelloop.anchors"
	KeyInputSize = "labelloop.input_size"
	KeyBackbone  = "labelloop.backbone"
	KeyResize    = "labelloop.resize"
	KeyStrides   = "labelloop.strides"
)

// Export builds the ONNX model for g with weights w.
func Export(g *model.Graph, w Weights, meta Meta) (*pb.ModelProto, error) {
	if len(meta.Classes) != 0 && len(meta.Classes) != g.NumClasses {
		return nil, fmt.Errorf("%d class names for a %d-class model", len(meta.Classes), g.NumClasses)
	}
	for _, p := range g.Params {
		if p.Node < 0 || p.Kind == model.BNCount {
			continue
		}
		v, ok := w[p.Name]
		if !ok {
			return nil, fmt.Errorf("weights lack %s", p.Name)
		}
		if len(v) != p.Size() {
			return nil, fmt.Errorf("%s has %d values, want %d (shape %v)", p.Name, len(v), p.Size(), p.Shape)
		}
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%s: value %d is %v: the weights diverged, there is no model to export", p.Name, i, x)
			}
		}
	}
	// what is written here, ReadModelInfo must accept
	if meta.ResizeMode != "" && !slices.Contains(model.ResizeModes, meta.ResizeMode) {
		return nil, fmt.Errorf("resize mode %q, want %s", meta.ResizeMode, strings.Join(model.ResizeModes, " or "))
	}
	for i, c := range meta.Classes {
		if err := classname.Check(c); err != nil {
			return nil, fmt.Errorf("class %d: %w", i+1, err)
		}
		if slices.Contains(meta.Classes[:i], c) {
			return nil, fmt.Errorf("class %d: %q is listed twice", i+1, c)
		}
	}
	if err := model.CheckAnchors(meta.Anchors); err != nil {
		return nil, fmt.Errorf("anchors: %w", err)
	}
	e := &exporter{g: g, w: w, names: make([]string, len(g.Nodes)), graph: &pb.GraphProto{Name: proto.String("labelloop-" + g.Backbone)}}
	if err := e.nodes(); err != nil {
		return nil, err
	}
	for k, o := range g.Outputs {
		n := g.Nodes[o]
		e.graph.Output = append(e.graph.Output, valueInfo(OutputNames[k], n.Out))
		e.emit("Identity", "output_"+OutputNames[k], []string{e.names[o]}, []string{OutputNames[k]})
	}
	anchors, _ := json.Marshal(meta.Anchors)
	classes, _ := json.Marshal(meta.Classes)
	strides, _ := json.Marshal(model.Strides)
	resize := meta.ResizeMode
	if resize == "" {
		resize = "letterbox"
	}
	m := &pb.ModelProto{
		IrVersion:       proto.Int64(8),
		ProducerName:    proto.String("labelloop"),
		ProducerVersion: proto.String("0.1"),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		Graph:           e.graph,
		MetadataProps: []*pb.StringStringEntryProto{
			{Key: proto.String(KeyClasses), Value: proto.String(string(classes))},
			{Key: proto.String(KeyAnchors), Value: proto.String(string(anchors))},
			{Key: proto.String(KeyInputSize), Value: proto.String(strconv.Itoa(g.InputSize))},
			{Key: proto.String(KeyBackbone), Value: proto.String(g.Backbone)},
			{Key: proto.String(KeyResize), Value: proto.String(resize)},
			{Key: proto.String(KeyStrides), Value: proto.String(string(strides))},
		},
	}
	return m, nil
}

// Marshal is Export to bytes.
func Marshal(g *model.Graph, w Weights, meta Meta) ([]byte, error) {
	m, err := Export(g, w, meta)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(m)
}

type exporter struct {
	g     *model.Graph
	w     Weights
	names []string // ONNX value name of each node's output
	graph *pb.GraphProto
}

func (e *exporter) emit(op, name string, in, out []string, attrs ...*pb.AttributeProto) {
	e.graph.Node = append(e.graph.Node, &pb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: out, Attribute: attrs})
}

func (e *exporter) init(name string, dims []int64, v []float32) string {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	e.graph.Initializer = append(e.graph.Initializer, &pb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw})
	return name
}

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func attrFloat(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func attrString(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func valueInfo(name string, s model.Shape) *pb.ValueInfoProto {
	dim := func(v int64) *pb.TensorShapeProto_Dimension {
		return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	dims := []*pb.TensorShapeProto_Dimension{
		{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}}, dim(int64(s.C)), dim(int64(s.H)), dim(int64(s.W)),
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

func (e *exporter) nodes() error {
	g := e.g
	// a Conv feeding only a BatchNorm is folded with it
	folded := make([]bool, len(g.Nodes))
	var zeroMax []string
	for i, n := range g.Nodes {
		if folded[i] {
			continue
		}
		in := make([]string, len(n.Inputs))
		for k, j := range n.Inputs {
			in[k] = e.names[j]
		}
		out := n.Name
		e.names[i] = out
		switch n.Op {
		case model.OpInput:
			e.names[i] = InputName
			e.graph.Input = append(e.graph.Input, valueInfo(InputName, n.Out))
		case model.OpConv:
			wt := e.w[n.Name+".weight"]
			var bias []float32
			if n.Bias {
				bias = e.w[n.Name+".bias"]
			}
			if i+1 < len(g.Nodes) && g.Nodes[i+1].Op == model.OpBatchNorm && g.Nodes[i+1].Inputs[0] == i {
				bn := g.Nodes[i+1]
				wt, bias = foldBN(wt, bias, n.OutC, e.w[bn.Name+".weight"], e.w[bn.Name+".bias"], e.w[bn.Name+".running_mean"], e.w[bn.Name+".running_var"])
				folded[i+1] = true
				out = bn.Name
				e.names[i], e.names[i+1] = out, out
			}
			inputs := append(in, e.init(n.Name+".weight", []int64{int64(n.OutC), int64(n.InC / n.Groups), int64(n.Kernel), int64(n.Kernel)}, wt))
			if bias != nil {
				inputs = append(inputs, e.init(out+".bias_folded", []int64{int64(n.OutC)}, bias))
			}
			p := int64(n.Pad)
			e.emit("Conv", n.Name, inputs, []string{out}, attrInt("group", int64(n.Groups)),
				attrInts("kernel_shape", int64(n.Kernel), int64(n.Kernel)), attrInts("strides", int64(n.Stride), int64(n.Stride)),
				attrInts("pads", p, p, p, p), attrInts("dilations", 1, 1))
		case model.OpBatchNorm: // a BatchNorm not after a conv: not in this network
			return fmt.Errorf("%s: BatchNorm without a preceding convolution", n.Name)
		case model.OpReLU:
			e.emit("Relu", n.Name, in, []string{out})
		case model.OpReLU6:
			if zeroMax == nil {
				zeroMax = []string{e.init("relu6_min", nil, []float32{0}), e.init("relu6_max", nil, []float32{6})}
			}
			e.emit("Clip", n.Name, append(in, zeroMax...), []string{out})
		case model.OpHardSwish:
			e.emit("HardSwish", n.Name, in, []string{out})
		case model.OpHardSigmoid: // relu6(x+3)/6 = clip(x/6 + 1/2, 0, 1)
			e.emit("HardSigmoid", n.Name, in, []string{out}, attrFloat("alpha", 1.0/6), attrFloat("beta", 0.5))
		case model.OpAdd:
			e.emit("Add", n.Name, in, []string{out})
		case model.OpMul:
			e.emit("Mul", n.Name, in, []string{out})
		case model.OpAvgPool:
			e.emit("GlobalAveragePool", n.Name, in, []string{out})
		case model.OpLinear: // on N×C×1×1 a Linear is a 1×1 convolution
			w := e.init(n.Name+".weight", []int64{int64(n.OutC), int64(n.InC), 1, 1}, e.w[n.Name+".weight"])
			b := e.init(n.Name+".bias", []int64{int64(n.OutC)}, e.w[n.Name+".bias"])
			e.emit("Conv", n.Name, append(in, w, b), []string{out}, attrInts("kernel_shape", 1, 1))
		case model.OpMaxPool:
			k, p := int64(n.Kernel), int64(n.Pad)
			e.emit("MaxPool", n.Name, in, []string{out}, attrInts("kernel_shape", k, k), attrInts("strides", 1, 1), attrInts("pads", p, p, p, p))
		case model.OpConcat:
			e.emit("Concat", n.Name, in, []string{out}, attrInt("axis", 1))
		case model.OpUpsample: // PyTorch's nearest ×2: asymmetric coordinates, floor
			scales := e.init(n.Name+".scales", []int64{4}, []float32{1, 1, float32(n.Stride), float32(n.Stride)})
			e.emit("Resize", n.Name, append(in, "", scales), []string{out},
				attrString("mode", "nearest"), attrString("coordinate_transformation_mode", "asymmetric"), attrString("nearest_mode", "floor"))
		default:
			return fmt.Errorf("%s: no ONNX form for %v", n.Name, n.Op)
		}
	}
	return nil
}

// foldBN merges BatchNorm (inference mode) into the preceding convolution:
// w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε) + β, computed in float64.
func foldBN(w, b []float32, outC int, gamma, beta, mean, variance []float32) ([]float32, []float32) {
	per := len(w) / outC
	w2 := make([]float32, len(w))
	b2 := make([]float32, outC)
	for c := 0; c < outC; c++ {
		s := float64(gamma[c]) / math.Sqrt(float64(variance[c])+BNEps)
		for k := 0; k < per; k++ {
			w2[c*per+k] = float32(float64(w[c*per+k]) * s)
		}
		bias := 0.0
		if b != nil {
			bias = float64(b[c])
		}
		b2[c] = float32((bias-float64(mean[c]))*s + float64(beta[c]))
	}
	return w2, b2
}
