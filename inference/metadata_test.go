package inference

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

func dims(d ...int64) *pb.TypeProto {
	var ds []*pb.TensorShapeProto_Dimension
	for _, v := range d {
		if v < 0 {
			ds = append(ds, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}})
		} else {
			ds = append(ds, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: v}})
		}
	}
	return &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &pb.TensorShapeProto{Dim: ds}}}}
}

// headerModel is a model's description without weights: the input, three
// heads and the metadata LabelLoop writes, each overridable.
func headerModel(size, nc int64, meta map[string]string) []byte {
	kv := map[string]string{
		onnx.KeyClasses: `["cat","dog"]`, onnx.KeyAnchors: `[[12,16],[19,36],[40,28],[36,75],[76,55],[72,146],[142,110],[192,243],[459,401]]`,
		onnx.KeyInputSize: "64", onnx.KeyBackbone: "mobilenetv3", onnx.KeyResize: "letterbox", onnx.KeyStrides: "[32,16,8]",
	}
	for k, v := range meta {
		kv[k] = v
	}
	g := &pb.GraphProto{Name: proto.String("g"),
		Node:  []*pb.NodeProto{{OpType: proto.String("Identity"), Input: []string{"images"}, Output: []string{"stride32"}}},
		Input: []*pb.ValueInfoProto{{Name: proto.String("images"), Type: dims(-1, 3, size, size)}}}
	for k, name := range onnx.OutputNames {
		w := size / int64(model.Strides[k])
		g.Output = append(g.Output, &pb.ValueInfoProto{Name: proto.String(name), Type: dims(-1, 3*(5+nc), w, w)})
	}
	m := &pb.ModelProto{Graph: g}
	for _, k := range []string{onnx.KeyClasses, onnx.KeyAnchors, onnx.KeyInputSize, onnx.KeyBackbone, onnx.KeyResize, onnx.KeyStrides} {
		if v, ok := kv[k]; ok && v != "-" {
			m.MetadataProps = append(m.MetadataProps, &pb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(v)})
		}
	}
	data, _ := proto.Marshal(m)
	return data
}

// Each metadata value is checked where the file is read; a refusal names
// the file and the key (before, a class list that did not parse was
// dropped in silence, any resize mode but "plain" meant letterbox, and
// input 2^40 sized a buffer).
func TestReadModelInfoChecksMetadata(t *testing.T) {
	if info, err := ReadModelInfo("m.onnx", headerModel(64, 2, nil), LoadOptions{}); err != nil || info.NumClasses != 2 || info.InputSize != 64 || !info.Letterbox {
		t.Fatalf("good header: %v %+v", err, info)
	}
	for i, c := range []struct {
		key, value, want string
	}{
		{onnx.KeyClasses, `["cat"`, "metadata labelloop.classes: want a JSON list"},
		{onnx.KeyClasses, `["cat","a\nb"]`, "metadata labelloop.classes: class 2"},
		{onnx.KeyClasses, `["cat","d\u0000g"]`, "control character"},
		{onnx.KeyClasses, `["cat","cat"]`, "twice"},
		{onnx.KeyAnchors, `[[12,16],[19,36],[40,28],[36,75],[76,55],[72,146],[142,110],[192,243]]`, "metadata labelloop.anchors: 8 pairs"},
		{onnx.KeyAnchors, `[[12,16],[19,-36],[40,28],[36,75],[76,55],[72,146],[142,110],[192,243],[1,1]]`, "anchor 2"},
		{onnx.KeyAnchors, `[[12],[19,36],[40,28],[36,75],[76,55],[72,146],[142,110],[192,243],[1,1]]`, "pair 1 has 1"},
		{onnx.KeyInputSize, "1099511627776", "metadata labelloop.input_size"},
		{onnx.KeyBackbone, "resnet", "metadata labelloop.backbone"},
		{onnx.KeyResize, "stretch", "metadata labelloop.resize"},
		{onnx.KeyStrides, "[32,16,4]", "metadata labelloop.strides"},
	} {
		_, err := ReadModelInfo("m.onnx", headerModel(64, 2, map[string]string{c.key: c.value}), LoadOptions{})
		if err == nil || !errors.Is(err, model.ErrBadFile) || !strings.HasPrefix(err.Error(), "m.onnx: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d (%s = %s): %v, want %q", i, c.key, c.value, err, c.want)
		}
	}
	for _, size := range []int64{1 << 40, 2048, 48} {
		if _, err := ReadModelInfo("m.onnx", headerModel(size, 2, map[string]string{onnx.KeyInputSize: "-"}), LoadOptions{}); err == nil || !strings.Contains(err.Error(), "from 32 to 1280") {
			t.Errorf("input %d: %v", size, err)
		}
	}
	// heads of the wrong widths for the input
	bad := headerModel(64, 2, nil)
	var m pb.ModelProto
	proto.Unmarshal(bad, &m)
	m.Graph.Output[2].Type = dims(-1, 21, 4, 4)
	bad, _ = proto.Marshal(&m)
	if _, err := ReadModelInfo("m.onnx", bad, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "wide") {
		t.Errorf("head widths: %v", err)
	}
	// names and anchors given for a file without metadata are checked too
	anchors := model.DefaultAnchors
	anchors[0][0] = -1
	if _, err := ReadModelInfo("m.onnx", headerModel(64, 2, nil), LoadOptions{Anchors: &anchors}); err == nil || !strings.Contains(err.Error(), "anchors given") {
		t.Errorf("anchors given: %v", err)
	}
	if _, err := ReadModelInfo("m.onnx", headerModel(64, 2, nil), LoadOptions{Classes: []string{"a", "b\x00"}}); err == nil || !strings.Contains(err.Error(), "class names given") {
		t.Errorf("classes given: %v", err)
	}
}

// Whatever a model file's header holds, ReadModelInfo returns an error or
// a description every later stage can use: no panic, an input in range,
// one valid name per class, nine positive anchors, three heads.
func FuzzReadModelInfo(f *testing.F) {
	f.Add(headerModel(64, 2, nil))
	f.Add(headerModel(416, 20, map[string]string{onnx.KeyClasses: "-", onnx.KeyInputSize: "416"}))
	f.Add(headerModel(1280, 1, map[string]string{onnx.KeyClasses: `["x"]`, onnx.KeyResize: "plain", onnx.KeyInputSize: "1280"}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ReadModelInfo("m.onnx", data, LoadOptions{})
		if err != nil {
			return
		}
		if model.CheckInputSize(info.InputSize) != nil || info.NumClasses < 1 || info.NumClasses > maxClasses ||
			len(info.Classes) != info.NumClasses || checkClasses(info.Classes) != nil || model.CheckAnchors(info.Anchors) != nil || len(info.outputs) != 3 {
			t.Fatalf("accepted %+v", info)
		}
	})
}
