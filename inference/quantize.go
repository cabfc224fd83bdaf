package inference

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/model/onnx"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// Int8Options describe an int8 export.
type Int8Options struct {
	CalibDir    string // a dataset folder (its train split) or a folder of pictures
	Images      int    // at most this many pictures (DefaultCalibImages)
	Method      string // CalibMethods; DefaultCalibMethod when empty
	Activations string // onnx.ActUint8 (default) or onnx.ActInt8
	Float       []string
	Threads     int
	Progress    func(done, total int)
}

// DefaultCalibMethod is the method picked by measured mAP (BENCHMARKS.md).
const DefaultCalibMethod = CalibPercentile

// CalibrateModel calibrates an exported float model (size and letterbox
// as its metadata says) on the pictures: the statistics Quantize needs for
// any method.
func CalibrateModel(ctx context.Context, m *pb.ModelProto, size int, letterbox bool, images []string, q Int8Options) (*CalibStats, error) {
	if q.Float == nil {
		q.Float = onnx.DefaultFloat
	}
	tensors := onnx.CalibrationTensors(m, onnx.QuantOptions{Activations: q.Activations, Float: q.Float})
	data, err := proto.Marshal(onnx.WithOutputs(m, tensors))
	if err != nil {
		return nil, err
	}
	method := q.Method
	if method == "" {
		method = DefaultCalibMethod
	}
	return Calibrate(ctx, data, tensors, images, CalibOptions{Size: size, Letterbox: letterbox, Threads: q.Threads,
		Histograms: method != CalibMinMax, Progress: q.Progress})
}

// QuantizeModel writes the int8 form of an exported float model with
// ranges from st (CalibrateModel's). split names the calibration
// pictures' split for the metadata.
func QuantizeModel(m *pb.ModelProto, st *CalibStats, split string, q Int8Options) ([]byte, error) {
	if q.Float == nil {
		q.Float = onnx.DefaultFloat
	}
	method := q.Method
	if method == "" {
		method = DefaultCalibMethod
	}
	if !slices.Contains(CalibMethods, method) {
		return nil, fmt.Errorf("calibration method %q, want one of %v", method, CalibMethods)
	}
	ranges, err := st.Ranges(method)
	if err != nil {
		return nil, err
	}
	qm, err := onnx.Quantize(m, ranges, onnx.QuantOptions{Activations: q.Activations, Float: q.Float},
		onnx.CalibrationInfo{Images: st.Images, Folder: q.CalibDir, Split: split, Method: method})
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(qm)
}

// Int8 calibrates an exported float model on up to q.Images pictures of
// q.CalibDir and returns its int8 form.
func Int8(ctx context.Context, m *pb.ModelProto, size int, letterbox bool, q Int8Options) ([]byte, error) {
	if q.Method != "" && !slices.Contains(CalibMethods, q.Method) {
		return nil, fmt.Errorf("calibration method %q, want one of %v", q.Method, CalibMethods)
	}
	images, split, err := CalibrationImages(q.CalibDir, q.Images)
	if err != nil {
		return nil, err
	}
	st, err := CalibrateModel(ctx, m, size, letterbox, images, q)
	if err != nil {
		return nil, fmt.Errorf("calibrating on %s: %w", q.CalibDir, err)
	}
	return QuantizeModel(m, st, split, q)
}
