package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/labelloop/labelloop/voc"
)

// Checkpoint is a trained detector on disk: weights in safetensors (names
// and shapes of the reference's state dict) and a JSON sidecar with what
// the GUI and the exporter need, so neither needs libtorch.
type Checkpoint struct {
	Backbone   string             `json:"backbone"`
	Classes    []string           `json:"classes"`
	Anchors    [9][2]float64      `json:"anchors"`
	InputSize  int                `json:"input_size"`
	Resize     string             `json:"resize"` // "letterbox" or "plain"
	Epoch      int                `json:"epoch"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	WeightFile string             `json:"weights"` // beside the sidecar
}

// Config is the network the checkpoint holds.
func (c *Checkpoint) Config() Config {
	return Config{Backbone: c.Backbone, NumClasses: len(c.Classes), InputSize: c.InputSize}
}

// SidecarPath is W.json for weights W.safetensors.
func SidecarPath(weights string) string {
	return strings.TrimSuffix(weights, filepath.Ext(weights)) + ".json"
}

// SaveCheckpoint writes weights (float32 by state-dict name) and the
// sidecar. num_batches_tracked entries are written as int64 zeros.
func SaveCheckpoint(path string, ck *Checkpoint, w map[string][]float32) error {
	g, err := Build(ck.Config())
	if err != nil {
		return err
	}
	ck.WeightFile = filepath.Base(path)
	if err := WriteSafetensors(path, g, w, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(ck, "", "  ")
	return voc.WriteFileAtomic(SidecarPath(path), append(data, '\n'), 0o644)
}

// LoadCheckpoint reads a checkpoint and checks every tensor against the
// network it claims to be; the first mismatch is named.
func LoadCheckpoint(path string) (*Checkpoint, map[string][]float32, error) {
	side := SidecarPath(path)
	data, err := os.ReadFile(side)
	if err != nil {
		return nil, nil, fmt.Errorf("%s needs its sidecar %s (backbone, classes, anchors, input size): %w", path, side, err)
	}
	var ck Checkpoint
	if err := json.Unmarshal(data, &ck); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", side, err)
	}
	g, err := Build(ck.Config())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", side, err)
	}
	tensors, err := ReadSafetensors(path)
	if err != nil {
		return nil, nil, err
	}
	w, err := matchParams(g, tensors)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &ck, w, nil
}

// Tensor is one safetensors entry.
type Tensor struct {
	Dtype string
	Shape []int
	F32   []float32 // for F32 tensors
}

// matchParams checks names and shapes against the network.
func matchParams(g *Graph, t map[string]Tensor) (map[string][]float32, error) {
	w := make(map[string][]float32, len(g.Params))
	for _, p := range g.Params {
		if p.Kind == BNCount {
			continue
		}
		v, ok := t[p.Name]
		if !ok {
			return nil, fmt.Errorf("missing %s (shape %v)", p.Name, p.Shape)
		}
		if fmt.Sprint(v.Shape) != fmt.Sprint(p.Shape) {
			return nil, fmt.Errorf("%s has shape %v, the %s network with %d classes needs %v (a different class count or backbone?)",
				p.Name, v.Shape, g.Backbone, g.NumClasses, p.Shape)
		}
		if v.Dtype != "F32" {
			return nil, fmt.Errorf("%s is %s, want F32", p.Name, v.Dtype)
		}
		w[p.Name] = v.F32
	}
	return w, nil
}

// WriteSafetensors writes the state dict of g in safetensors format.
func WriteSafetensors(path string, g *Graph, w map[string][]float32, meta map[string]string) error {
	header := map[string]any{}
	if meta != nil {
		header["__metadata__"] = meta
	}
	// the header first (offsets only need sizes), then the tensors stream
	// to the file: a YOLOv4 checkpoint is 50-250 MB, and building it in
	// memory cost seconds of copying per save.
	off := 0
	for _, p := range g.Params {
		if p.Kind == BNCount {
			header[p.Name] = map[string]any{"dtype": "I64", "shape": []int{}, "data_offsets": []int{off, off + 8}}
			off += 8
			continue
		}
		if v, ok := w[p.Name]; !ok || len(v) != p.Size() {
			return fmt.Errorf("weights for %s: have %d values, need %d", p.Name, len(v), p.Size())
		}
		header[p.Name] = map[string]any{"dtype": "F32", "shape": p.Shape, "data_offsets": []int{off, off + 4*p.Size()}}
		off += 4 * p.Size()
	}
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(h)%8 != 0 { // the format pads the header with spaces
		h = append(h, ' ')
	}
	return voc.WriteAtomic(path, 0o644, func(out io.Writer) error {
		if _, err := out.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(h)))); err != nil {
			return err
		}
		if _, err := out.Write(h); err != nil {
			return err
		}
		var buf []byte
		for _, p := range g.Params {
			if p.Kind == BNCount {
				if _, err := out.Write(make([]byte, 8)); err != nil {
					return err
				}
				continue
			}
			buf = float32LE(buf[:0], w[p.Name])
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
}

// float32LE appends v as little-endian bytes.
func float32LE(dst []byte, v []float32) []byte {
	for _, f := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return dst
}

// ReadSafetensors reads every tensor of a safetensors file.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file (too short)", path)
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) || n > 100<<20 {
		return nil, fmt.Errorf("%s: not a safetensors file (header length %d)", path, n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("%s: not a safetensors file: %v", path, err)
	}
	body := data[8+n:]
	out := map[string]Tensor{}
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			Dtype   string `json:"dtype"`
			Shape   []int  `json:"shape"`
			Offsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(header[name], &e); err != nil {
			return nil, fmt.Errorf("%s: entry %s: %v", path, name, err)
		}
		if e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] || e.Offsets[1] > len(body) {
			return nil, fmt.Errorf("%s: entry %s points outside the file", path, name)
		}
		t := Tensor{Dtype: e.Dtype, Shape: e.Shape}
		if t.Shape == nil {
			t.Shape = []int{}
		}
		raw := body[e.Offsets[0]:e.Offsets[1]]
		if e.Dtype == "F32" {
			n := 1
			for _, d := range e.Shape {
				n *= d
			}
			if len(raw) != 4*n {
				return nil, fmt.Errorf("%s: entry %s has %d bytes for shape %v", path, name, len(raw), e.Shape)
			}
			t.F32 = make([]float32, n)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
		out[name] = t
	}
	return out, nil
}
