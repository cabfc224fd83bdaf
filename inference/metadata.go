package inference

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/labelloop/labelloop/internal/classname"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// maxClasses bounds the classes a detector file may declare: its head
// sizes every decode.
const maxClasses = 10000

// readMetadata takes what a LabelLoop model file says about itself
// (classes, anchors, input size, backbone, resize mode, strides) into
// info, checking each: a value that does not parse or cannot be right is a
// *model.BadFileError naming the file and the key. Other keys are ignored.
func readMetadata(path string, props []*pb.StringStringEntryProto, info *ModelInfo) error {
	bad := func(key, format string, args ...any) error {
		return &model.BadFileError{Path: path, Field: "metadata " + key, Msg: fmt.Sprintf(format, args...)}
	}
	for _, kv := range props {
		v := kv.GetValue()
		switch key := kv.GetKey(); key {
		case onnx.KeyClasses:
			var classes []string
			if err := json.Unmarshal([]byte(v), &classes); err != nil {
				return bad(key, "want a JSON list of names: %v", err)
			}
			if err := checkClasses(classes); err != nil {
				return bad(key, "%v", err)
			}
			info.Classes = classes
		case onnx.KeyAnchors:
			var pairs [][]float64
			if err := json.Unmarshal([]byte(v), &pairs); err != nil {
				return bad(key, "want 9 [width, height] pairs: %v", err)
			}
			if len(pairs) != 9 {
				return bad(key, "%d pairs, want 9", len(pairs))
			}
			var a [9][2]float64
			for i, p := range pairs {
				if len(p) != 2 {
					return bad(key, "pair %d has %d numbers, want [width, height]", i+1, len(p))
				}
				a[i] = [2]float64{p[0], p[1]}
			}
			if err := model.CheckAnchors(a); err != nil {
				return bad(key, "%v", err)
			}
			info.Anchors = a
		case onnx.KeyInputSize:
			if n, err := strconv.Atoi(v); err != nil || n != info.InputSize {
				return bad(key, "%q, but the input is %d×%d", v, info.InputSize, info.InputSize)
			}
		case onnx.KeyBackbone:
			if !slices.Contains(model.Backbones, v) {
				return bad(key, "%q, want %s", v, strings.Join(model.Backbones, ", "))
			}
			info.Backbone = v
		case onnx.KeyResize:
			if !slices.Contains(model.ResizeModes, v) {
				return bad(key, "%q, want %s", v, strings.Join(model.ResizeModes, " or "))
			}
			info.Letterbox = v != "plain"
		case onnx.KeyQuantization:
			if v != "int8" {
				return bad(key, "%q, want int8", v)
			}
			info.Quantization = v
		case onnx.KeyCalibration:
			var c onnx.CalibrationInfo
			if err := json.Unmarshal([]byte(v), &c); err != nil {
				return bad(key, "want the calibration as JSON: %v", err)
			}
			info.Calibration = v
		case onnx.KeyStrides:
			var s []int
			if err := json.Unmarshal([]byte(v), &s); err != nil || !slices.Equal(s, model.Strides[:]) {
				return bad(key, "%q, want %v", v, model.Strides)
			}
		}
	}
	return nil
}

// checkClasses reports a class list with a name no dataset could hold
// (classname.Check) or a name twice.
func checkClasses(classes []string) error {
	if len(classes) > maxClasses {
		return fmt.Errorf("%d classes, at most %d", len(classes), maxClasses)
	}
	seen := make(map[string]bool, len(classes))
	for i, c := range classes {
		if err := classname.Check(c); err != nil {
			return fmt.Errorf("class %d: %w", i+1, err)
		}
		if seen[c] {
			return fmt.Errorf("class %d: %q is listed twice", i+1, c)
		}
		seen[c] = true
	}
	return nil
}
