package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// Quantization in QDQ form: QuantizeLinear → DequantizeLinear pairs on
// the activations and DequantizeLinear on int8 weights around each
// convolution, the pattern ONNX Runtime fuses into QLinearConv (and Add,
// Concat, MaxPool, Resize into their int8 forms). The float graph of
// Export is rewritten; nothing else about the model changes, so a
// quantized file loads wherever the float one does.

// Metadata keys of a quantized model.
const (
	KeyQuantization = "labelloop.quantization" // "int8"
	KeyCalibration  = "labelloop.calibration"  // JSON: CalibrationInfo
)

// Activation types.
const (
	ActUint8 = "uint8"
	ActInt8  = "int8"
)

// Range is a tensor's calibrated float range.
type Range struct{ Lo, Hi float32 }

// QuantOptions choose what is quantized and how.
type QuantOptions struct {
	Activations string // ActUint8 (default) or ActInt8
	// Float lists node-name prefixes whose nodes stay in float.
	Float []string
}

// DefaultFloat is what stays in float unless asked otherwise: the three
// head convolutions, whose outputs are the raw box, objectness and class
// logits (measured in BENCHMARKS.md: quantizing them costs mAP and saves
// almost no time, they are 1×1 convolutions to 3·(5+classes) channels),
// and MobileNetV3's squeeze-and-excite fully connected layers (1×1
// tensors: nothing to gain).
var DefaultFloat = []string{"yolo_head1.1", "yolo_head2.1", "yolo_head3.1", "fc."}

// CalibrationInfo is what a quantized file says about its calibration.
type CalibrationInfo struct {
	Images      int      `json:"images"`
	Folder      string   `json:"folder"`
	Split       string   `json:"split,omitempty"`
	Method      string   `json:"method"`
	Activations string   `json:"activations"`
	Weights     string   `json:"weights"` // "int8 per channel, symmetric"
	Float       []string `json:"float"`
}

// int8Ops are the ops that run as int8 kernels given Q/DQ around them.
var int8Ops = map[string]bool{"Conv": true, "Add": true, "Concat": true, "MaxPool": true, "Resize": true}

// sharedRange ops pass values through unchanged (a max, a copy): their
// output takes the input's scale, which ONNX Runtime needs to drop their
// Q/DQ pair and run them on the int8 values.
var sharedRange = map[string]bool{"MaxPool": true, "Resize": true}

// plan is which tensors a quantized graph carries as int8.
type plan struct {
	g         *pb.GraphProto
	int8Node  []bool
	quantized map[string]bool   // tensors that get a Q/DQ pair
	shareWith map[string]string // tensor → the tensor whose range it reuses
	order     []string          // quantized tensors in graph order
}

func keepFloat(name string, float []string) bool {
	for _, f := range float {
		if strings.HasPrefix(name, f) || strings.Contains(name, "."+f) {
			return true
		}
	}
	return false
}

func makePlan(g *pb.GraphProto, opt QuantOptions) *plan {
	p := &plan{g: g, int8Node: make([]bool, len(g.Node)), quantized: map[string]bool{}, shareWith: map[string]string{}}
	ix := graphIndex{producer: map[string]int{}, consumers: map[string][]int{}}
	for i, n := range g.Node {
		for _, o := range n.Output {
			ix.producer[o] = i
		}
		for _, in := range n.Input {
			if in != "" {
				ix.consumers[in] = append(ix.consumers[in], i)
			}
		}
		p.int8Node[i] = int8Ops[n.GetOpType()] && !keepFloat(n.GetName(), opt.Float)
	}
	ix.preAct = p.foldActivations(ix)
	inits := map[string]bool{}
	for _, t := range g.Initializer {
		inits[t.GetName()] = true
	}
	for _, in := range g.Input {
		if !inits[in.GetName()] {
			p.consider(ix, in.GetName(), -1)
		}
	}
	for i, n := range g.Node {
		for _, o := range n.Output {
			p.consider(ix, o, i)
		}
	}
	return p
}

// graphIndex is, for each tensor of a graph, the node that makes it, the
// nodes that read it, and whether it is a Conv's output folded into the
// activation after it.
type graphIndex struct {
	producer  map[string]int
	consumers map[string][]int
	preAct    map[string]bool
}

// foldActivations marks the Relu or Clip alone after an int8 Conv as int8:
// the runtime folds it into the Conv when its output is quantized, so the
// Conv's own output is never materialised and needs no scale. It returns
// those Conv outputs.
func (p *plan) foldActivations(ix graphIndex) map[string]bool {
	preAct := map[string]bool{}
	for i, n := range p.g.Node {
		if (n.GetOpType() == "Relu" || n.GetOpType() == "Clip") && len(ix.consumers[n.Input[0]]) == 1 {
			if j, ok := ix.producer[n.Input[0]]; ok && p.int8Node[j] && p.g.Node[j].GetOpType() == "Conv" {
				preAct[n.Input[0]] = true
				p.int8Node[i] = true // the activation's output is the conv's
			}
		}
	}
	return preAct
}

// consider quantizes tensor t, made by node prod (-1 for a graph input),
// when an int8 node makes it or reads it as an activation; a tensor whose
// range its producer keeps (sharedRange) shares its source's scale.
func (p *plan) consider(ix graphIndex, t string, prod int) {
	if ix.preAct[t] || p.quantized[t] {
		return
	}
	q := prod >= 0 && p.int8Node[prod]
	for _, c := range ix.consumers[t] {
		// weights, biases and constants are initializers, not activations
		if p.int8Node[c] && p.g.Node[c].Input[0] == t || p.int8Node[c] && p.g.Node[c].GetOpType() != "Conv" {
			q = true
		}
	}
	if !q {
		return
	}
	p.quantized[t] = true
	p.order = append(p.order, t)
	if prod >= 0 && sharedRange[p.g.Node[prod].GetOpType()] && p.int8Node[prod] {
		src := p.g.Node[prod].Input[0]
		for p.shareWith[src] != "" {
			src = p.shareWith[src]
		}
		p.shareWith[t] = src
	}
}

// CalibrationTensors lists, in graph order, the tensors of an exported
// float model whose ranges Quantize needs.
func CalibrationTensors(m *pb.ModelProto, opt QuantOptions) []string {
	p := makePlan(m.GetGraph(), opt)
	var out []string
	for _, t := range p.order {
		if p.shareWith[t] == "" {
			out = append(out, t)
		}
	}
	return out
}

// WithOutputs is a copy of m whose graph also outputs the named tensors
// (float, any shape): the calibration run reads them.
func WithOutputs(m *pb.ModelProto, names []string) *pb.ModelProto {
	c := proto.Clone(m).(*pb.ModelProto)
	for _, n := range names {
		c.Graph.Output = append(c.Graph.Output, &pb.ValueInfoProto{Name: proto.String(n), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
			TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(pb.TensorProto_FLOAT))}}}})
	}
	return c
}

// qparams is an activation's scale and zero point.
type qparams struct {
	scale float32
	zp    int32
}

// activationParams maps [lo, hi] (widened to hold 0, which must be exact)
// onto 256 levels.
func activationParams(r Range, act string) qparams {
	lo, hi := min(float64(r.Lo), 0), max(float64(r.Hi), 0)
	if hi-lo < 1e-8 {
		hi = lo + 1e-8
	}
	scale := (hi - lo) / 255
	qmin := 0.0
	if act == ActInt8 {
		qmin = -128
	}
	zp := math.Round(qmin - lo/scale)
	zp = max(qmin, min(qmin+255, zp))
	return qparams{float32(scale), int32(zp)}
}

// QuantizeWeights quantizes w (outC rows) per output channel, symmetric
// int8 in -127..127: scale = max|w|/127 per channel (1 for a channel of
// zeros, so that dequantization gives its zeros back).
func QuantizeWeights(w []float32, outC int) ([]int8, []float32) {
	per := len(w) / outC
	q := make([]int8, len(w))
	scales := make([]float32, outC)
	for c := 0; c < outC; c++ {
		m := 0.0
		for _, v := range w[c*per : (c+1)*per] {
			m = max(m, math.Abs(float64(v)))
		}
		s := float32(m / 127)
		if m == 0 {
			s = 1
		}
		scales[c] = s
		for k, v := range w[c*per : (c+1)*per] {
			q[c*per+k] = int8(max(-127, min(127, math.Round(float64(v)/float64(s)))))
		}
	}
	return q, scales
}

// Quantize rewrites an exported float model (Export's output) into QDQ
// form with the given activation ranges (CalibrationTensors' names) and
// marks it int8 with its calibration in the metadata.
func Quantize(m *pb.ModelProto, ranges map[string]Range, opt QuantOptions, calib CalibrationInfo) (*pb.ModelProto, error) {
	if opt.Activations == "" {
		opt.Activations = ActUint8
	}
	if opt.Activations != ActUint8 && opt.Activations != ActInt8 {
		return nil, fmt.Errorf("activations %q, want %s or %s", opt.Activations, ActUint8, ActInt8)
	}
	src := m.GetGraph()
	p := makePlan(src, opt)
	params := map[string]qparams{}
	for _, t := range p.order {
		r, ok := ranges[p.root(t)]
		if !ok {
			return nil, fmt.Errorf("no calibrated range for %s", p.root(t))
		}
		if t == InputName {
			// pixels/255: at scale 1/255 the input's quantization is exact,
			// where a calibrated range (a percentile's above all) clips it
			r = Range{0, 1}
		}
		if math.IsNaN(float64(r.Lo)) || math.IsNaN(float64(r.Hi)) || math.IsInf(float64(r.Lo), 0) || math.IsInf(float64(r.Hi), 0) {
			return nil, fmt.Errorf("calibrated range of %s is [%v, %v]: not finite", t, r.Lo, r.Hi)
		}
		params[t] = activationParams(r, opt.Activations)
	}
	c := proto.Clone(m).(*pb.ModelProto)
	g := c.Graph
	weights := map[string]*pb.TensorProto{}
	for _, t := range g.Initializer {
		weights[t.GetName()] = t
	}
	q := &qdqWriter{act: opt.Activations, names: map[string]string{}}
	dq := map[string]string{} // tensor → its dequantized name
	pair := func(t string) {
		qp := params[t]
		scale, zp := q.scalar(p.root(t), qp)
		q.emit("QuantizeLinear", t+"_q", []string{t, scale, zp}, []string{t + "_quantized"})
		q.emit("DequantizeLinear", t+"_dq", []string{t + "_quantized", scale, zp}, []string{t + "_dequantized"})
		dq[t] = t + "_dequantized"
	}
	for _, in := range g.Input {
		if p.quantized[in.GetName()] {
			pair(in.GetName())
		}
	}
	for i, n := range g.Node {
		for k, in := range n.Input {
			if d, ok := dq[in]; ok {
				n.Input[k] = d
			}
		}
		if p.int8Node[i] && n.GetOpType() == "Conv" {
			in, ok := params[src.Node[i].Input[0]]
			if !ok {
				return nil, fmt.Errorf("%s: int8 convolution on an unquantized input %s", n.GetName(), src.Node[i].Input[0])
			}
			if err := q.conv(n, weights, in); err != nil {
				return nil, err
			}
		}
		q.nodes = append(q.nodes, n)
		for _, o := range n.Output {
			if p.quantized[o] {
				pair(o)
			}
		}
	}
	g.Node = q.nodes
	keep := g.Initializer[:0]
	for _, t := range g.Initializer {
		if !q.replaced[t.GetName()] {
			keep = append(keep, t)
		}
	}
	g.Initializer = append(keep, q.inits...)
	calib.Activations = opt.Activations
	calib.Weights = "int8 per output channel, symmetric"
	calib.Float = slices.Clone(opt.Float)
	info, _ := json.Marshal(calib)
	c.MetadataProps = append(c.MetadataProps,
		&pb.StringStringEntryProto{Key: proto.String(KeyQuantization), Value: proto.String("int8")},
		&pb.StringStringEntryProto{Key: proto.String(KeyCalibration), Value: proto.String(string(info))})
	return c, nil
}

// root is the tensor whose range t uses.
func (p *plan) root(t string) string {
	if s := p.shareWith[t]; s != "" {
		return s
	}
	return t
}

type qdqWriter struct {
	act      string
	nodes    []*pb.NodeProto
	inits    []*pb.TensorProto
	names    map[string]string // range owner → scale initializer name
	replaced map[string]bool
}

func (q *qdqWriter) emit(op, name string, in, out []string, attrs ...*pb.AttributeProto) {
	q.nodes = append(q.nodes, &pb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: out, Attribute: attrs})
}

// scalar returns the scale and zero-point initializers of a range owner,
// written once and shared by every tensor that uses its range.
func (q *qdqWriter) scalar(owner string, qp qparams) (string, string) {
	scale, zp := owner+"_scale", owner+"_zero_point"
	if _, ok := q.names[owner]; ok {
		return scale, zp
	}
	q.names[owner] = scale
	q.inits = append(q.inits, floatTensor(scale, nil, []float32{qp.scale}))
	if q.act == ActInt8 {
		q.inits = append(q.inits, &pb.TensorProto{Name: proto.String(zp), DataType: proto.Int32(int32(pb.TensorProto_INT8)), RawData: []byte{byte(int8(qp.zp))}})
	} else {
		q.inits = append(q.inits, &pb.TensorProto{Name: proto.String(zp), DataType: proto.Int32(int32(pb.TensorProto_UINT8)), RawData: []byte{byte(qp.zp)}})
	}
	return scale, zp
}

// conv replaces a Conv's float weight by DequantizeLinear of int8 per
// channel and its bias by DequantizeLinear of int32 at scale
// input scale × weight scale, the form ONNX Runtime's QLinearConv fusion
// requires.
func (q *qdqWriter) conv(n *pb.NodeProto, weights map[string]*pb.TensorProto, in qparams) error {
	if q.replaced == nil {
		q.replaced = map[string]bool{}
	}
	wt := weights[n.Input[1]]
	if wt == nil {
		return fmt.Errorf("%s: weight %s is not an initializer", n.GetName(), n.Input[1])
	}
	w := floats(wt)
	outC := int(wt.Dims[0])
	qw, scales := QuantizeWeights(w, outC)
	name := n.Input[1]
	raw := make([]byte, len(qw))
	for i, v := range qw {
		raw[i] = byte(v)
	}
	q.inits = append(q.inits,
		&pb.TensorProto{Name: proto.String(name + "_quantized"), Dims: wt.Dims, DataType: proto.Int32(int32(pb.TensorProto_INT8)), RawData: raw},
		floatTensor(name+"_scale", []int64{int64(outC)}, scales),
		&pb.TensorProto{Name: proto.String(name + "_zero_point"), Dims: []int64{int64(outC)}, DataType: proto.Int32(int32(pb.TensorProto_INT8)), RawData: make([]byte, outC)})
	q.emit("DequantizeLinear", name+"_dq", []string{name + "_quantized", name + "_scale", name + "_zero_point"}, []string{name + "_dequantized"}, attrInt("axis", 0))
	q.replaced[name] = true
	n.Input[1] = name + "_dequantized"
	if len(n.Input) < 3 || n.Input[2] == "" {
		return nil
	}
	bt := weights[n.Input[2]]
	if bt == nil {
		return fmt.Errorf("%s: bias %s is not an initializer", n.GetName(), n.Input[2])
	}
	b := floats(bt)
	bname := n.Input[2]
	braw := make([]byte, 4*len(b))
	bscale := make([]float32, len(b))
	for c, v := range b {
		bscale[c] = in.scale * scales[c]
		x := math.Round(float64(v) / float64(bscale[c]))
		binary.LittleEndian.PutUint32(braw[4*c:], uint32(int32(max(math.MinInt32, min(math.MaxInt32, x)))))
	}
	q.inits = append(q.inits,
		&pb.TensorProto{Name: proto.String(bname + "_quantized"), Dims: bt.Dims, DataType: proto.Int32(int32(pb.TensorProto_INT32)), RawData: braw},
		floatTensor(bname+"_scale", bt.Dims, bscale),
		&pb.TensorProto{Name: proto.String(bname + "_zero_point"), Dims: bt.Dims, DataType: proto.Int32(int32(pb.TensorProto_INT32)), RawData: make([]byte, 4*len(b))})
	q.emit("DequantizeLinear", bname+"_dq", []string{bname + "_quantized", bname + "_scale", bname + "_zero_point"}, []string{bname + "_dequantized"}, attrInt("axis", 0))
	q.replaced[bname] = true
	n.Input[2] = bname + "_dequantized"
	return nil
}

func floatTensor(name string, dims []int64, v []float32) *pb.TensorProto {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	return &pb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw}
}

func floats(t *pb.TensorProto) []float32 {
	if len(t.RawData) == 0 {
		return t.FloatData
	}
	v := make([]float32, len(t.RawData)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*i:]))
	}
	return v
}
