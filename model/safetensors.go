package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Tensor is one safetensors entry.
type Tensor struct {
	Dtype string
	Shape []int
	F32   []float32 // for F32 tensors
}

// MaxSafetensorsSize bounds what ReadSafetensors loads into memory: a
// YOLOv4 checkpoint is 50-250 MB, so anything near this is not ours.
const MaxSafetensorsSize = 4 << 30

// maxHeader is the format's own limit on the JSON header.
const maxHeader = 100 << 20

// dtypeSize is the element size of each dtype the format defines.
var dtypeSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// WriteSafetensors writes the state dict of g in safetensors format
// (num_batches_tracked entries as int64 zeros).
func WriteSafetensors(path string, g *Graph, w map[string][]float32, meta map[string]string) error {
	var es []entry
	for _, p := range g.Params {
		if p.Kind == BNCount {
			es = append(es, entry{name: p.Name, shape: []int{}})
			continue
		}
		if v, ok := w[p.Name]; !ok || len(v) != p.Size() {
			return fmt.Errorf("weights for %s: have %d values, need %d", p.Name, len(v), p.Size())
		}
		es = append(es, entry{name: p.Name, shape: p.Shape, f32: w[p.Name]})
	}
	return writeEntries(path, es, meta)
}

// WriteTensors writes float32 tensors by name (shapes[i] for vals[i]) in
// safetensors format, with metadata.
func WriteTensors(path string, names []string, shapes [][]int, vals [][]float32, meta map[string]string) error {
	es := make([]entry, len(names))
	for i, name := range names {
		n := 1
		for _, d := range shapes[i] {
			n *= d
		}
		if n != len(vals[i]) {
			return fmt.Errorf("%s: %d values for shape %v", name, len(vals[i]), shapes[i])
		}
		es[i] = entry{name: name, shape: shapes[i], f32: vals[i]}
	}
	return writeEntries(path, es, meta)
}

// entry is a tensor to write: float32 values, or (f32 nil) an int64 zero.
type entry struct {
	name  string
	shape []int
	f32   []float32
}

func writeEntries(path string, es []entry, meta map[string]string) error {
	header := map[string]any{}
	if meta != nil {
		header["__metadata__"] = meta
	}
	// the header first (offsets only need sizes), then the tensors stream
	// to the file: a YOLOv4 checkpoint is 50-250 MB, and building it in
	// memory cost seconds of copying per save.
	off := 0
	for _, e := range es {
		if e.f32 == nil {
			header[e.name] = map[string]any{"dtype": "I64", "shape": e.shape, "data_offsets": []int{off, off + 8}}
			off += 8
			continue
		}
		header[e.name] = map[string]any{"dtype": "F32", "shape": e.shape, "data_offsets": []int{off, off + 4*len(e.f32)}}
		off += 4 * len(e.f32)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(h)%8 != 0 { // the format pads the header with spaces
		h = append(h, ' ')
	}
	return atomicfile.Write(path, 0o644, func(out io.Writer) error {
		if _, err := out.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(h)))); err != nil {
			return err
		}
		if _, err := out.Write(h); err != nil {
			return err
		}
		var buf []byte
		for _, e := range es {
			if e.f32 == nil {
				if _, err := out.Write(make([]byte, 8)); err != nil {
					return err
				}
				continue
			}
			buf = float32LE(buf[:0], e.f32)
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

// ReadSafetensors reads every tensor of a safetensors file. Anything
// malformed (header, dtype, shape, offsets) is a *BadFileError naming the
// file and the tensor; nothing in the header can make it allocate more
// than the file's own size.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	t, _, err := ReadSafetensorsMeta(path)
	return t, err
}

// ReadSafetensorsMeta is ReadSafetensors with the header's metadata.
func ReadSafetensorsMeta(path string) (map[string]Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > MaxSafetensorsSize {
		return nil, nil, badFile(path, "", "%d bytes, more than a checkpoint can be (%d)", st.Size(), int64(MaxSafetensorsSize))
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return parseSafetensorsMeta(path, data)
}

// tensorEntry is one header entry; pointers tell a missing field from an
// empty one.
type tensorEntry struct {
	Dtype   *string  `json:"dtype"`
	Shape   *[]int64 `json:"shape"`
	Offsets *[]int64 `json:"data_offsets"`
}

// ReadSafetensorsMetadata reads only a safetensors file's header
// metadata (its "__metadata__" strings), not its tensors.
func ReadSafetensorsMetadata(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var n [8]byte
	if _, err := io.ReadFull(f, n[:]); err != nil {
		return nil, badFile(path, "", "not a safetensors file (%v)", err)
	}
	size := binary.LittleEndian.Uint64(n[:])
	if size > maxHeader {
		return nil, badFile(path, "", "not a safetensors file (header length %d)", size)
	}
	h := make([]byte, size)
	if _, err := io.ReadFull(f, h); err != nil {
		return nil, badFile(path, "", "not a safetensors file (header: %v)", err)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(h, &header); err != nil {
		return nil, badFile(path, "", "not a safetensors file: header: %v", err)
	}
	meta := map[string]string{}
	if raw, ok := header["__metadata__"]; ok {
		if err := json.Unmarshal(raw, &meta); err != nil {
			return nil, badFile(path, "__metadata__", "want an object of strings: %v", err)
		}
	}
	return meta, nil
}

func parseSafetensors(path string, data []byte) (map[string]Tensor, error) {
	t, _, err := parseSafetensorsMeta(path, data)
	return t, err
}

func parseSafetensorsMeta(path string, data []byte) (map[string]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, badFile(path, "", "not a safetensors file (%d bytes, too short)", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) || n > maxHeader {
		return nil, nil, badFile(path, "", "not a safetensors file (header length %d in a file of %d bytes)", n, len(data))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		return nil, nil, badFile(path, "", "not a safetensors file: header: %v", err)
	}
	body := data[8+n:]
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]Tensor, len(names))
	meta := map[string]string{}
	for _, name := range names {
		if name == "__metadata__" {
			if err := json.Unmarshal(header[name], &meta); err != nil {
				return nil, nil, badFile(path, "__metadata__", "want an object of strings: %v", err)
			}
			continue
		}
		t, err := parseEntry(name, header[name], body)
		if err != nil {
			return nil, nil, badFile(path, fmt.Sprintf("tensor %q", name), "%v", err)
		}
		out[name] = t
	}
	return out, meta, nil
}

// parseEntry checks one entry against the data it points at: a known
// dtype, a shape whose size (computed without overflow) is exactly the
// byte range given, and a range inside the data.
func parseEntry(name string, raw json.RawMessage, body []byte) (Tensor, error) {
	if name == "" {
		return Tensor{}, fmt.Errorf("empty tensor name")
	}
	var e tensorEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Tensor{}, err
	}
	switch {
	case e.Dtype == nil:
		return Tensor{}, fmt.Errorf("no dtype")
	case e.Shape == nil:
		return Tensor{}, fmt.Errorf("no shape")
	case e.Offsets == nil || len(*e.Offsets) != 2:
		return Tensor{}, fmt.Errorf("data_offsets must be two numbers [begin, end]")
	}
	size, ok := dtypeSize[*e.Dtype]
	if !ok {
		return Tensor{}, fmt.Errorf("unknown dtype %q", *e.Dtype)
	}
	begin, end := (*e.Offsets)[0], (*e.Offsets)[1]
	if begin < 0 || end < begin || end > int64(len(body)) {
		return Tensor{}, fmt.Errorf("data_offsets [%d, %d] outside the %d bytes of data", begin, end, len(body))
	}
	// elements, bounded by what the data can hold so it never overflows
	limit := int64(len(body)) / int64(size)
	count := int64(1)
	shape := make([]int, len(*e.Shape))
	for i, d := range *e.Shape {
		if d < 0 {
			return Tensor{}, fmt.Errorf("shape %v has a negative dimension", *e.Shape)
		}
		if d != 0 && count > limit/d {
			return Tensor{}, fmt.Errorf("shape %v needs more than the %d bytes of data", *e.Shape, len(body))
		}
		count *= d
		shape[i] = int(d)
	}
	if end-begin != count*int64(size) {
		return Tensor{}, fmt.Errorf("shape %v of %s needs %d bytes, data_offsets [%d, %d] give %d", *e.Shape, *e.Dtype, count*int64(size), begin, end, end-begin)
	}
	t := Tensor{Dtype: *e.Dtype, Shape: shape}
	if t.Dtype == "F32" {
		raw := body[begin:end]
		t.F32 = make([]float32, count)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	return t, nil
}
