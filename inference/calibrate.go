package inference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/voc"
)

// Calibration methods: how a tensor's range is read from its values over
// the calibration pictures.
const (
	CalibMinMax     = "minmax"     // the whole range seen
	CalibPercentile = "percentile" // 0.01 % cut off each end
	CalibEntropy    = "entropy"    // the clip that loses least information (KL divergence, TensorRT's)
)

// CalibMethods lists the methods.
var CalibMethods = []string{CalibMinMax, CalibPercentile, CalibEntropy}

// DefaultCalibImages is how many pictures calibrate when not told.
const DefaultCalibImages = 200

// ErrNoCalibImages is wrapped by the error for a folder with no pictures
// to calibrate on.
var ErrNoCalibImages = errors.New("no pictures to calibrate on")

// CalibrationImages picks up to n pictures of dir (a dataset folder):
// those of its train split (ImageSets/Main/train.txt) when it has one,
// else all of them; evenly spread over the sorted list when there are
// more, so that the same folder always gives the same pictures. split
// says which were used ("train" or "").
func CalibrationImages(dir string, n int) (paths []string, split string, err error) {
	if n <= 0 {
		n = DefaultCalibImages
	}
	ds, err := voc.Open(dir)
	if err != nil {
		return nil, "", err
	}
	var all []string
	byID := map[string]string{}
	for _, it := range ds.Items {
		if it.Image != "" {
			all = append(all, it.Image)
			byID[it.ID] = it.Image
		}
	}
	if ids, err := voc.ReadImageSet(ds, "train"); err == nil {
		var train []string
		for _, id := range ids {
			if p, ok := byID[id]; ok {
				train = append(train, p)
			}
		}
		if len(train) > 0 {
			all, split = train, "train"
			slices.Sort(all)
		}
	}
	if len(all) == 0 {
		return nil, "", fmt.Errorf("%s: %w (it holds no JPEG, PNG or BMP files in %s)", dir, ErrNoCalibImages, ds.ImageDir)
	}
	if len(all) <= n {
		return all, split, nil
	}
	picked := make([]string, n)
	for i := range picked {
		picked[i] = all[i*len(all)/n]
	}
	return picked, split, nil
}

// histBins is the resolution of the value histograms (over -M..M, M the
// largest magnitude seen), as fine as ONNX Runtime's calibrators.
const histBins = 4096

// CalibStats are the value statistics of a model's tensors over the
// calibration pictures; Ranges turns them into ranges by any method.
type CalibStats struct {
	Tensors []string
	Images  int
	lo, hi  []float32
	hist    [][]uint64 // nil when only min/max were collected
	zeros   []uint64   // exact zeros, not in hist
}

// CalibOptions tune Calibrate.
type CalibOptions struct {
	Size       int  // the model's input size
	Letterbox  bool // as the model's metadata says
	Threads    int
	Histograms bool // also collect histograms (percentile, entropy): a second pass
	// Progress, when set, is told of each picture done (of 1 or 2 passes).
	Progress func(done, total int)
}

// Calibrate runs the float model (with the tensors as extra outputs: see
// onnx.WithOutputs) over the pictures, each prepared exactly as at
// inference, and gathers each tensor's range and, if asked, histogram.
func Calibrate(ctx context.Context, model []byte, tensors []string, images []string, opt CalibOptions) (*CalibStats, error) {
	if len(images) == 0 {
		return nil, ErrNoCalibImages
	}
	s, err := NewSession(model, tensors, Options{Threads: opt.Threads})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	st := &CalibStats{Tensors: tensors, Images: len(images), lo: make([]float32, len(tensors)), hi: make([]float32, len(tensors))}
	for i := range st.lo {
		st.lo[i], st.hi[i] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	passes := 1
	if opt.Histograms {
		passes = 2
	}
	buf := make([]float32, 3*opt.Size*opt.Size)
	for pass := 0; pass < passes; pass++ {
		if pass == 1 {
			st.hist = make([][]uint64, len(tensors))
			st.zeros = make([]uint64, len(tensors))
			for i := range st.hist {
				st.hist[i] = make([]uint64, histBins)
			}
		}
		for k, path := range images {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			img, err := pix.Decode(path)
			if err != nil {
				return nil, err
			}
			if _, err := detect.Preprocess(img, img.Rect.Dx(), img.Rect.Dy(), opt.Size, opt.Letterbox, buf); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			outs, err := s.Run(buf, 1, opt.Size, opt.Size)
			if err != nil {
				return nil, err
			}
			if err := st.add(outs, pass); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if opt.Progress != nil {
				opt.Progress(pass*len(images)+k+1, passes*len(images))
			}
		}
	}
	return st, nil
}

// add takes one picture's tensors into the statistics (pass 0: ranges;
// 1: histograms), a tensor per goroutine at a time: while they run the
// network is idle, and each tensor's statistics are its own, so the
// result does not depend on the order.
func (st *CalibStats) add(outs []detect.Output, pass int) error {
	errs := make([]error, len(outs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(outs); i = int(next.Add(1) - 1) {
				if pass == 1 {
					st.addHist(i, outs[i].Data)
					continue
				}
				lo, hi := st.lo[i], st.hi[i]
				for _, v := range outs[i].Data {
					if v-v != 0 { // NaN or ±Inf
						errs[i] = fmt.Errorf("tensor %s has the value %v: the model does not compute finite values on this picture", st.Tensors[i], v)
						break
					}
					lo, hi = min(lo, v), max(hi, v)
				}
				st.lo[i], st.hi[i] = lo, hi
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bound is the histograms' half width for tensor i.
func (st *CalibStats) bound(i int) float64 {
	return max(math.Abs(float64(st.lo[i])), math.Abs(float64(st.hi[i])), 1e-12)
}

func (st *CalibStats) addHist(i int, data []float32) {
	h := st.hist[i]
	m := st.bound(i)
	k := float64(histBins) / (2 * m)
	for _, v := range data {
		if v == 0 {
			// exact zeros (most of a ReLU's output) quantize exactly at any
			// scale: kept apart, as their spike made the entropy method
			// clip every ReLU6 output near 0.7
			st.zeros[i]++
			continue
		}
		b := int((float64(v) + m) * k)
		h[max(0, min(histBins-1, b))]++
	}
}

// Ranges gives each tensor's range by a method.
func (st *CalibStats) Ranges(method string) (map[string]onnx.Range, error) {
	if method != CalibMinMax && st.hist == nil {
		return nil, fmt.Errorf("calibration method %s needs histograms", method)
	}
	out := make(map[string]onnx.Range, len(st.Tensors))
	for i, t := range st.Tensors {
		r := onnx.Range{Lo: st.lo[i], Hi: st.hi[i]}
		switch method {
		case CalibMinMax:
		case CalibPercentile:
			r = st.percentile(i, 99.99)
		case CalibEntropy:
			r = st.entropy(i)
		default:
			return nil, fmt.Errorf("calibration method %q, want %v", method, CalibMethods)
		}
		out[t] = r
	}
	return out, nil
}

// binEdge is the value at the lower edge of bin b.
func (st *CalibStats) binEdge(i, b int) float64 {
	m := st.bound(i)
	return -m + 2*m*float64(b)/histBins
}

// percentile cuts (100-p)% of the values off each end.
func (st *CalibStats) percentile(i int, p float64) onnx.Range {
	h := slices.Clone(st.hist[i])
	h[histBins/2] += st.zeros[i] // zeros count among the values cut
	var total uint64
	for _, c := range h {
		total += c
	}
	cut := uint64(float64(total) * (100 - p) / 100)
	lo, hi := 0, histBins-1
	var acc uint64
	for lo < histBins-1 && acc+h[lo] <= cut {
		acc += h[lo]
		lo++
	}
	acc = 0
	for hi > 0 && acc+h[hi] <= cut {
		acc += h[hi]
		hi--
	}
	return onnx.Range{Lo: float32(max(float64(st.lo[i]), st.binEdge(i, lo))), Hi: float32(min(float64(st.hi[i]), st.binEdge(i, hi+1)))}
}

// entropy picks the magnitude T minimising the KL divergence between the
// histogram of |x| clipped at T and its quantization to 128 levels
// (TensorRT's calibrator, as ONNX Runtime's entropy method), and clips the
// range to ±T.
func (st *CalibStats) entropy(i int) onnx.Range {
	h := st.hist[i]
	half := histBins / 2
	abs := make([]float64, half)
	for b := 0; b < half; b++ {
		abs[b] = float64(h[half+b] + h[half-1-b])
	}
	const levels = 128
	best, bestKL := half, math.Inf(1)
	p := make([]float64, half)
	q := make([]float64, half)
	for n := levels; n <= half; n += 16 {
		copy(p, abs[:n])
		outliers := 0.0
		for _, c := range abs[n:] {
			outliers += c
		}
		p[n-1] += outliers
		// q: p[:n] merged into levels groups, spread back over each
		// group's non-empty bins
		for j := 0; j < levels; j++ {
			a, b := j*n/levels, (j+1)*n/levels
			sum, nz := 0.0, 0
			for k := a; k < b; k++ {
				sum += abs[k]
				if abs[k] > 0 {
					nz++
				}
			}
			for k := a; k < b; k++ {
				q[k] = 0
				if abs[k] > 0 {
					q[k] = sum / float64(nz)
				}
			}
		}
		q[n-1] += outliers * boolF(abs[n-1] == 0) // an outlier mass on an empty bin must still be covered
		if kl := klDivergence(p[:n], q[:n]); kl < bestKL {
			best, bestKL = n, kl
		}
	}
	t := st.bound(i) * float64(best) / float64(half)
	return onnx.Range{Lo: float32(max(float64(st.lo[i]), -t)), Hi: float32(min(float64(st.hi[i]), t))}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// klDivergence is KL(p‖q) of two unnormalised histograms; a bin with mass
// in p and none in q costs a fixed penalty rather than infinity.
func klDivergence(p, q []float64) float64 {
	sp, sq := 0.0, 0.0
	for k := range p {
		sp += p[k]
		sq += q[k]
	}
	if sp == 0 || sq == 0 {
		return math.Inf(1)
	}
	kl := 0.0
	for k := range p {
		if p[k] == 0 {
			continue
		}
		pk := p[k] / sp
		if q[k] == 0 {
			kl += pk * 20
			continue
		}
		kl += pk * math.Log(pk/(q[k]/sq))
	}
	return kl
}
