// Package model describes the detector — YOLOv4 with a MobileNet V1, V2 or
// V3 backbone — as data: a graph of layers with their names, shapes and
// wiring, and the state dict in the PyTorch reference's order. The trainer
// (gotch) and the ONNX exporter both build from it, so they cannot drift.
// No cgo here.
package model

import (
	"fmt"
	"sort"
	"strings"
)

// Backbone names, as the reference spells them.
const (
	MobileNetV1 = "mobilenetv1"
	MobileNetV2 = "mobilenetv2"
	MobileNetV3 = "mobilenetv3"
)

// Backbones lists the supported backbones.
var Backbones = []string{MobileNetV1, MobileNetV2, MobileNetV3}

// Config picks a network.
type Config struct {
	Backbone   string
	NumClasses int
	InputSize  int // square input, a multiple of 32
}

// Op is a layer kind.
type Op int

const (
	OpInput Op = iota
	OpConv
	OpBatchNorm
	OpReLU
	OpReLU6
	OpHardSwish
	OpHardSigmoid
	OpAdd     // two inputs
	OpMul     // x * scale: inputs (x [N,C,H,W], scale [N,C,1,1])
	OpAvgPool // global average pool to [N,C,1,1]
	OpLinear  // on [N,C,1,1] treated as [N,C]; output [N,C',1,1]
	OpMaxPool // stride 1, padding Kernel/2
	OpConcat  // along channels
	OpUpsample
)

var opNames = [...]string{"Input", "Conv", "BatchNorm", "ReLU", "ReLU6", "HardSwish", "HardSigmoid",
	"Add", "Mul", "AvgPool", "Linear", "MaxPool", "Concat", "Upsample"}

func (o Op) String() string { return opNames[o] }

// Shape is a feature map's channels, height and width (batch left out).
type Shape struct{ C, H, W int }

// Node is one layer. Name is its module path in the reference ("conv1.0.conv"),
// which prefixes its parameters' names.
type Node struct {
	Name   string
	Op     Op
	Inputs []int
	Out    Shape

	InC, OutC, Kernel, Stride, Pad, Groups int
	Bias                                   bool // conv and linear
}

// ParamKind says what a state-dict entry is.
type ParamKind int

const (
	ConvWeight ParamKind = iota
	ConvBias
	BNWeight
	BNBias
	BNMean
	BNVar
	BNCount // num_batches_tracked: a scalar int64
	LinearWeight
	LinearBias
)

// Param is one state-dict entry. Node is the layer it belongs to, or -1
// for entries of backbone layers the detector never runs (the ImageNet
// classifier, MobileNetV2/V3's last 1x1 conv): they load and save, but
// nothing reads them.
type Param struct {
	Name  string
	Shape []int // empty for num_batches_tracked
	Kind  ParamKind
	Node  int
}

// Size is the number of elements.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Graph is the whole detector for one configuration.
type Graph struct {
	Config
	Nodes   []Node
	Params  []Param // state-dict order of the reference
	Outputs [3]int  // out0 (stride 32), out1 (16), out2 (8)
}

// Strides of the three outputs, in output order.
var Strides = [3]int{32, 16, 8}

// AnchorMask lists, per output, which of the nine anchors it uses.
var AnchorMask = [3][3]int{{6, 7, 8}, {3, 4, 5}, {0, 1, 2}}

// DefaultAnchors are the reference's (w, h) in pixels at 416 input.
var DefaultAnchors = [9][2]float64{{12, 16}, {19, 36}, {40, 28}, {36, 75}, {76, 55}, {72, 146}, {142, 110}, {192, 243}, {459, 401}}

// AnchorsFor is DefaultAnchors scaled to an input size: an option
// (training's --anchors scaled); the seed itself never scales them.
func AnchorsFor(size int) [9][2]float64 {
	a := DefaultAnchors
	for i := range a {
		a[i] = [2]float64{a[i][0] * float64(size) / 416, a[i][1] * float64(size) / 416}
	}
	return a
}

// Validate reports a configuration the network cannot be built for.
func (c Config) Validate() error {
	switch {
	case c.Backbone != MobileNetV1 && c.Backbone != MobileNetV2 && c.Backbone != MobileNetV3:
		return fmt.Errorf("unknown backbone %q (want %s)", c.Backbone, strings.Join(Backbones, ", "))
	case c.NumClasses < 1:
		return fmt.Errorf("need at least one class, got %d", c.NumClasses)
	}
	if err := CheckInputSize(c.InputSize); err != nil {
		return fmt.Errorf("input size %w", err)
	}
	return nil
}

// HeadChannels is 3·(5+classes): per anchor, box (4), objectness, classes.
func (c Config) HeadChannels() int { return 3 * (5 + c.NumClasses) }

// Build describes the detector for cfg.
func Build(cfg Config) (*Graph, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &builder{g: &Graph{Config: cfg}}
	in := b.add(Node{Name: "images", Op: OpInput, Out: Shape{3, cfg.InputSize, cfg.InputSize}})
	var x2, x1, x0 int
	switch cfg.Backbone {
	case MobileNetV1:
		x2, x1, x0 = b.mobilenetV1(in)
	case MobileNetV2:
		x2, x1, x0 = b.mobilenetV2(in)
	default:
		x2, x1, x0 = b.mobilenetV3(in)
	}
	b.neck(cfg, x2, x1, x0)
	// The reference's state dict lists its modules in definition order,
	// which differs from the order they run in (heads are defined early).
	order := map[string]int{}
	for i, m := range []string{"backbone", "conv1", "SPP", "conv2", "upsample1", "conv_for_P4", "make_five_conv1",
		"upsample2", "conv_for_P3", "make_five_conv2", "yolo_head3", "down_sample1", "make_five_conv3",
		"yolo_head2", "down_sample2", "make_five_conv4", "yolo_head1"} {
		order[m] = i
	}
	top := func(name string) int { return order[strings.SplitN(name, ".", 2)[0]] }
	sort.SliceStable(b.g.Params, func(i, j int) bool { return top(b.g.Params[i].Name) < top(b.g.Params[j].Name) })
	return b.g, nil
}

type builder struct{ g *Graph }

func (b *builder) add(n Node) int {
	b.g.Nodes = append(b.g.Nodes, n)
	return len(b.g.Nodes) - 1
}

func (b *builder) shape(i int) Shape { return b.g.Nodes[i].Out }

func (b *builder) param(name string, kind ParamKind, node int, shape ...int) {
	b.g.Params = append(b.g.Params, Param{Name: name, Shape: shape, Kind: kind, Node: node})
}

// conv adds a convolution; out size follows PyTorch's formula.
func (b *builder) conv(name string, x, out, k, stride, groups int, bias bool) int {
	s := b.shape(x)
	pad := (k - 1) / 2
	n := b.add(Node{Name: name, Op: OpConv, Inputs: []int{x}, InC: s.C, OutC: out, Kernel: k, Stride: stride, Pad: pad, Groups: groups, Bias: bias,
		Out: Shape{out, (s.H+2*pad-k)/stride + 1, (s.W+2*pad-k)/stride + 1}})
	b.param(name+".weight", ConvWeight, n, out, s.C/groups, k, k)
	if bias {
		b.param(name+".bias", ConvBias, n, out)
	}
	return n
}

// bn adds BatchNorm2d (eps 1e-5) with its five state entries.
func (b *builder) bn(name string, x int) int {
	c := b.shape(x).C
	n := b.add(Node{Name: name, Op: OpBatchNorm, Inputs: []int{x}, Out: b.shape(x), InC: c, OutC: c})
	b.param(name+".weight", BNWeight, n, c)
	b.param(name+".bias", BNBias, n, c)
	b.param(name+".running_mean", BNMean, n, c)
	b.param(name+".running_var", BNVar, n, c)
	b.param(name+".num_batches_tracked", BNCount, n)
	return n
}

func (b *builder) act(name string, op Op, x int) int {
	return b.add(Node{Name: name, Op: op, Inputs: []int{x}, Out: b.shape(x)})
}

func (b *builder) linear(name string, x, out int) int {
	in := b.shape(x).C
	n := b.add(Node{Name: name, Op: OpLinear, Inputs: []int{x}, InC: in, OutC: out, Bias: true, Out: Shape{out, 1, 1}})
	b.param(name+".weight", LinearWeight, n, out, in)
	b.param(name+".bias", LinearBias, n, out)
	return n
}

// unused records state-dict entries of layers the detector never runs.
func (b *builder) unusedConvBN(conv, bn string, in, out int) {
	b.param(conv+".weight", ConvWeight, -1, out, in, 1, 1)
	for _, k := range []struct {
		s string
		k ParamKind
	}{{".weight", BNWeight}, {".bias", BNBias}, {".running_mean", BNMean}, {".running_var", BNVar}} {
		b.param(bn+k.s, k.k, -1, out)
	}
	b.param(bn+".num_batches_tracked", BNCount, -1)
}

func (b *builder) unusedLinear(name string, in, out int) {
	b.param(name+".weight", LinearWeight, -1, out, in)
	b.param(name+".bias", LinearBias, -1, out)
}

// convBNAct is Conv → BN → activation with the reference's Sequential
// indices: name.0 conv, name.1 bn.
func (b *builder) convBNAct(name string, x, out, k, stride, groups int, act Op) int {
	x = b.conv(name+".0", x, out, k, stride, groups, false)
	x = b.bn(name+".1", x)
	return b.act(name+".2", act, x)
}

// conv2d is the neck's conv2d(in, out, k): .conv, .bn, ReLU6.
func (b *builder) conv2d(name string, x, out, k int) int {
	x = b.conv(name+".conv", x, out, k, 1, 1, false)
	x = b.bn(name+".bn", x)
	return b.act(name+".relu", OpReLU6, x)
}

// convDW is conv_dw(in, out, stride): depthwise 3x3 → BN → ReLU6 → 1x1 →
// BN → ReLU6, Sequential indices 0, 1, (2), 3, 4, (5).
func (b *builder) convDW(name string, x, out, stride int) int {
	c := b.shape(x).C
	x = b.conv(name+".0", x, c, 3, stride, c, false)
	x = b.bn(name+".1", x)
	x = b.act(name+".2", OpReLU6, x)
	x = b.conv(name+".3", x, out, 1, 1, 1, false)
	x = b.bn(name+".4", x)
	return b.act(name+".5", OpReLU6, x)
}
