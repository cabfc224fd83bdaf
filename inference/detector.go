package inference

import (
	"fmt"
	"image"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/model"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
)

// ModelInfo is what a detector file says about itself.
type ModelInfo struct {
	Path      string
	Classes   []string
	Anchors   [9][2]float64
	InputSize int
	Backbone  string // empty for files not written by LabelLoop
	Letterbox bool
	// Quantization is "int8" for a quantized model, "" for float; then
	// Calibration is its calibration (JSON: pictures, folder, method).
	Quantization string
	Calibration  string
	inputName    string
	outputs      []string // ordered by stride 32, 16, 8
	NumClasses   int
}

// LoadOptions supply what a file does not say (the PyTorch reference's own
// ONNX export carries no metadata) and tune the session.
type LoadOptions struct {
	Classes []string       // overrides or supplies class names
	Anchors *[9][2]float64 // supplies anchors; default the reference's
	Threads int
}

// Detector runs one model; Detect may be called from several goroutines.
type Detector struct {
	Info ModelInfo
	s    *Session
	bufs sync.Pool
}

// Timing splits one image's time.
type Timing struct {
	Pre, Net, Post time.Duration
}

// Total is the whole time.
func (t Timing) Total() time.Duration { return t.Pre + t.Net + t.Post }

// ReadModelInfo inspects an ONNX file without running it.
func ReadModelInfo(path string, data []byte, opt LoadOptions) (ModelInfo, error) {
	info := ModelInfo{Path: path, Anchors: model.DefaultAnchors, Letterbox: true}
	var m pb.ModelProto
	if len(data) == 0 {
		return info, fmt.Errorf("%s: empty file: %w", path, ErrNotONNX)
	}
	if err := proto.Unmarshal(data, &m); err != nil || m.GetGraph() == nil || len(m.GetGraph().GetNode()) == 0 {
		return info, fmt.Errorf("%s: %w", path, ErrNotONNX)
	}
	g := m.GetGraph()
	in, size, err := imageInput(path, g)
	if err != nil {
		return info, err
	}
	info.inputName, info.InputSize = in, size
	if info.outputs, info.NumClasses, err = heads(path, g, size); err != nil {
		return info, err
	}
	if err := readMetadata(path, m.GetMetadataProps(), &info); err != nil {
		return info, err
	}
	if opt.Classes != nil {
		info.Classes = opt.Classes
		if err := checkClasses(info.Classes); err != nil {
			return info, fmt.Errorf("%s: the class names given: %w", path, err)
		}
	}
	if opt.Anchors != nil {
		info.Anchors = *opt.Anchors
		if err := model.CheckAnchors(info.Anchors); err != nil {
			return info, fmt.Errorf("%s: the anchors given: %w", path, err)
		}
	}
	if len(info.Classes) == 0 {
		return info, fmt.Errorf("%s: the model has %d classes but names none; give them (a classes.txt with --classes)", path, info.NumClasses)
	}
	if len(info.Classes) != info.NumClasses {
		return info, fmt.Errorf("%s: the model has %d classes but %d names were given", path, info.NumClasses, len(info.Classes))
	}
	return info, nil
}

// imageInput finds the graph's one input that is not an initializer and
// checks that it is an image batch N×3×S×S; it gives its name and S.
func imageInput(path string, g *pb.GraphProto) (string, int, error) {
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
	}
	var inputs []*pb.ValueInfoProto
	for _, in := range g.GetInput() {
		if !inits[in.GetName()] {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		return "", 0, fmt.Errorf("%s: the model has %d inputs; a detector has one image input", path, len(inputs))
	}
	dims := inputs[0].GetType().GetTensorType().GetShape().GetDim()
	if len(dims) != 4 || dims[1].GetDimValue() != 3 || dims[2].GetDimValue() != dims[3].GetDimValue() ||
		dims[2].GetDimValue() < model.MinInputSize || dims[2].GetDimValue() > model.MaxInputSize || dims[2].GetDimValue()%32 != 0 {
		return "", 0, fmt.Errorf("%s: input %q has shape %s; a detector takes N×3×S×S with S a multiple of 32 from %d to %d",
			path, inputs[0].GetName(), dimString(dims), model.MinInputSize, model.MaxInputSize)
	}
	return inputs[0].GetName(), int(dims[2].GetDimValue()), nil
}

// heads checks the graph's three YOLO heads at input size: widths of the
// strides, 3·(5+classes) channels each. It gives their names, stride 32
// first, and the number of classes.
func heads(path string, g *pb.GraphProto, size int) ([]string, int, error) {
	type out struct {
		name string
		w    int64
		c    int64
	}
	var outs []out
	for _, o := range g.GetOutput() {
		d := o.GetType().GetTensorType().GetShape().GetDim()
		if len(d) != 4 {
			return nil, 0, fmt.Errorf("%s: output %q has shape %s; want three N×3(5+classes)×H×W heads", path, o.GetName(), dimString(d))
		}
		outs = append(outs, out{o.GetName(), d[3].GetDimValue(), d[1].GetDimValue()})
	}
	if len(outs) != 3 {
		return nil, 0, fmt.Errorf("%s: %d outputs; a YOLO detector has three heads", path, len(outs))
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].w < outs[j].w }) // stride 32 first
	var names []string
	for k, o := range outs {
		// a dynamic width (0) is taken as the stride's; any other must be it
		if want := int64(size / model.Strides[k]); o.w != want && o.w != 0 {
			return nil, 0, fmt.Errorf("%s: output %q is %d wide; at input %d the heads are %d, %d and %d wide",
				path, o.name, o.w, size, size/32, size/16, size/8)
		}
		names = append(names, o.name)
	}
	if outs[0].c%3 != 0 || outs[0].c/3 < 6 || outs[0].c > 3*(5+maxClasses) || outs[1].c != outs[0].c || outs[2].c != outs[0].c {
		return nil, 0, fmt.Errorf("%s: head channels %d, %d, %d are not 3·(5+classes) with 1 to %d classes", path, outs[0].c, outs[1].c, outs[2].c, maxClasses)
	}
	return names, int(outs[0].c/3 - 5), nil
}

func dimString(d []*pb.TensorShapeProto_Dimension) string {
	s := ""
	for i, x := range d {
		if i > 0 {
			s += "×"
		}
		if x.GetDimParam() != "" {
			s += x.GetDimParam()
		} else {
			s += strconv.FormatInt(x.GetDimValue(), 10)
		}
	}
	return s
}

// Load opens a detector file.
func Load(path string, opt LoadOptions) (*Detector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	info, err := ReadModelInfo(path, data, opt)
	if err != nil {
		return nil, err
	}
	s, err := newSessionNamed(data, info.inputName, info.outputs, Options{Threads: opt.Threads})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := &Detector{Info: info, s: s}
	n := 3 * info.InputSize * info.InputSize
	// pointers, so that Put does not allocate a slice header each frame
	d.bufs.New = func() any { b := make([]float32, n); return &b }
	return d, nil
}

// Close frees the session; the error is ONNX Runtime's.
func (d *Detector) Close() error { return d.s.Close() }

// Device is where the network runs ("cpu" or "cuda"), and why CUDA was
// not used if it was tried.
func (d *Detector) Device() (string, string) { return d.s.Device, d.s.Note }

// Detect finds objects in a picture (img shows an origW×origH image,
// possibly decoded smaller).
func (d *Detector) Detect(img image.Image, origW, origH int, t detect.Thresholds) ([]detect.Detection, Timing, error) {
	r, tm, err := d.run(img, origW, origH)
	if err != nil {
		return nil, tm, err
	}
	t0 := time.Now()
	dets := d.decode(r, t)
	tm.Post = time.Since(t0)
	return dets, tm, nil
}

// rawOutput is a network run not yet decoded: Detect in two stages, so
// that a video pipeline decodes one frame's boxes while the network runs
// on the next.
type rawOutput struct {
	outs  []detect.Output
	frame detect.Frame
}

// run makes the network's input and runs it (Detect's pre and network).
func (d *Detector) run(img image.Image, origW, origH int) (rawOutput, Timing, error) {
	return d.runOn(func(buf []float32) (detect.Frame, error) {
		return detect.Preprocess(img, origW, origH, d.Info.InputSize, d.Info.Letterbox, buf)
	})
}

// runOn runs the network on the input prepare makes in a pooled buffer.
func (d *Detector) runOn(prepare func(buf []float32) (detect.Frame, error)) (rawOutput, Timing, error) {
	t0 := time.Now()
	bp := d.bufs.Get().(*[]float32)
	defer d.bufs.Put(bp)
	buf := *bp
	size := d.Info.InputSize
	frame, err := prepare(buf)
	if err != nil {
		return rawOutput{}, Timing{}, fmt.Errorf("%s: %w", d.Info.Path, err)
	}
	t1 := time.Now()
	outs, err := d.s.Run(buf, 1, size, size)
	if err != nil {
		return rawOutput{}, Timing{}, err
	}
	// a graph may compute other shapes than it declares
	for k, o := range outs {
		if k > 2 || !detect.HeadFits(o, 0, d.Info.NumClasses) || o.Shape[2] != int64(size/model.Strides[k]) || o.Shape[3] != o.Shape[2] {
			return rawOutput{}, Timing{}, fmt.Errorf("%s: output %d has shape %v, not the 1×%d×%d×%d its header declares",
				d.Info.Path, k, o.Shape, 3*(5+d.Info.NumClasses), size/model.Strides[min(k, 2)], size/model.Strides[min(k, 2)])
		}
	}
	return rawOutput{outs, frame}, Timing{Pre: t1.Sub(t0), Net: time.Since(t1)}, nil
}

// decode turns a run's outputs into boxes in the original picture's pixels
// (Detect's post-processing).
func (d *Detector) decode(r rawOutput, t detect.Thresholds) []detect.Detection {
	size := d.Info.InputSize
	dets := detect.NMS(detect.Decode(r.outs, 0, d.Info.NumClasses, size, d.Info.Anchors, t.Conf), t.NMS, t.Agnostic)
	return detect.ToOriginal(dets, r.frame)
}

// DetectFile decodes an image file at full size, as the seed's pipeline
// does, and detects in it. The input is made while the file decodes
// (detect.Stream): a JPEG's top rows are resized while its bottom ones
// are still being decoded. The picture returned is for drawing: photos
// are reduced (block averages) to between one and two input sizes.
func (d *Detector) DetectFile(path string, t detect.Thresholds) (*imgload.Picture, []detect.Detection, Timing, error) {
	var img *image.RGBA
	var decodeErr error
	r, tm, err := d.runOn(func(buf []float32) (detect.Frame, error) {
		st, err := detect.NewStream(d.Info.InputSize, d.Info.Letterbox, buf)
		if err != nil {
			return detect.Frame{}, err
		}
		if img, decodeErr = pix.DecodeRows(path, st.Rows); decodeErr != nil {
			st.Abort()
			return detect.Frame{}, decodeErr
		}
		return st.Finish()
	})
	if decodeErr != nil {
		return nil, nil, Timing{}, decodeErr // it names the file; the model is not to blame
	}
	if err != nil {
		return nil, nil, tm, err
	}
	t0 := time.Now()
	dets := d.decode(r, t)
	tm.Post = time.Since(t0)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return &imgload.Picture{Img: pix.Reduce(img, shownSide), W: w, H: h, Path: path}, dets, tm, nil
}

// shownSide is the least long side of the picture DetectFile hands back
// for screens and annotated copies: at the network's size (160 px) the
// Predict tab showed a blurred picture and saved results that small.
const shownSide = 2048
