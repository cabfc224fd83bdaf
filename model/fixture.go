package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// FixtureWeights fills every state-dict tensor by the reference's formula
// (reference README, "The fixture's weights are defined by a formula"):
// walking the state dict in order, skipping num_batches_tracked, tensor k's
// element j gets s = sin(0.618034·j + 1.2345·k) shaped by the tensor's kind.
func FixtureWeights(g *Graph) map[string][]float32 {
	w := make(map[string][]float32, len(g.Params))
	k := 0
	for _, p := range g.Params {
		if p.Kind == BNCount {
			continue
		}
		n := p.Size()
		v := make([]float32, n)
		for j := range v {
			s := math.Sin(0.618034*float64(j) + 1.2345*float64(k))
			switch {
			case p.Kind == BNVar:
				v[j] = float32(1 + 0.25*math.Abs(s))
			case p.Kind == BNMean:
				v[j] = float32(0.1 * s)
			case p.Kind == BNWeight:
				v[j] = float32(1 + 0.1*s)
			case len(p.Shape) == 1:
				v[j] = float32(0.05 * s)
			default:
				fanIn := float64(n / p.Shape[0])
				v[j] = float32(math.Sqrt(3/fanIn) * s)
			}
		}
		w[p.Name] = v
		k++
	}
	return w
}

// FixtureInput is the reference's test image, 1×3×size×size:
// x[0,c,h,w] = 0.5 + 0.5·sin(0.01·(h·416 + w) + c). It is nil for a size
// outside 1..MaxInputSize (3·size² would overflow, or exhaust memory).
func FixtureInput(size int) []float32 {
	if size < 1 || size > MaxInputSize {
		return nil
	}
	x := make([]float32, 3*size*size)
	for c := 0; c < 3; c++ {
		for h := 0; h < size; h++ {
			for w := 0; w < size; w++ {
				x[(c*size+h)*size+w] = float32(0.5 + 0.5*math.Sin(0.01*float64(h*416+w)+float64(c)))
			}
		}
	}
	return x
}

// ReadFloat32s reads a file of little-endian float32 values, the format of
// the fixture's input and outputs.
func ReadFloat32s(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of float32s", path, len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// FixtureOutputPath names the reference's output k (0: stride 32, 1: 16,
// 2: 8) for a backbone at 416 with 20 classes, in the fixture folder dir.
func FixtureOutputPath(dir, backbone string, k int) string {
	s := 416 / Strides[k]
	return filepath.Join(dir, fmt.Sprintf("%s_out%d_1x75x%dx%d.f32", backbone, k, s, s))
}
