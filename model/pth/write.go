package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/model"
)

// Write saves the network's weights as torch.save saves a state dict (the
// zip format of PyTorch 1.6 on): the reference's names in its order, and
// shapes, BatchNorm's running statistics and num_batches_tracked (int64,
// 0: LabelLoop does not count them), so that torch.load and
// YoloBody.load_state_dict(strict=True) take it. The file is written
// atomically.
func Write(path string, g *model.Graph, w map[string][]float32) error {
	var pk pickler
	pk.b = append(pk.b, 0x80, 2)
	pk.global("collections", "OrderedDict")
	pk.b = append(pk.b, ')', 'R', '(')
	var blobs [][]byte
	for i, p := range g.Params {
		key := strconv.Itoa(i)
		var data []byte
		storage, n := "FloatStorage", p.Size()
		if p.Kind == model.BNCount {
			storage, n = "LongStorage", 1
			data = make([]byte, 8)
		} else {
			v, ok := w[p.Name]
			if !ok || len(v) != n {
				return fmt.Errorf("weights for %s: have %d values, need %d", p.Name, len(v), n)
			}
			data = make([]byte, 0, 4*n)
			for _, x := range v {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(x))
			}
		}
		blobs = append(blobs, data)
		pk.str(p.Name)
		pk.global("torch._utils", "_rebuild_tensor_v2")
		pk.b = append(pk.b, '(', '(')
		pk.str("storage")
		pk.global("torch", storage)
		pk.str(key)
		pk.str("cpu")
		pk.int(n)
		pk.b = append(pk.b, 't', 'Q') // the persistent id of the storage
		pk.int(0)
		pk.ints(p.Shape)
		pk.ints(strides(p.Shape))
		pk.b = append(pk.b, 0x89) // requires_grad False
		pk.global("collections", "OrderedDict")
		pk.b = append(pk.b, ')', 'R', 't', 'R')
	}
	pk.b = append(pk.b, 'u', '.')
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err == nil {
			_, err = fw.Write(data)
		}
		return err
	}
	if err := add("data.pkl", pk.b); err != nil {
		return err
	}
	for i, data := range blobs {
		if err := add("data/"+strconv.Itoa(i), data); err != nil {
			return err
		}
	}
	if err := add("version", []byte("3\n")); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

func strides(shape []int) []int {
	s := make([]int, len(shape))
	n := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= shape[i]
	}
	return s
}

// pickler writes the few protocol-2 opcodes a state dict needs.
type pickler struct{ b []byte }

func (p *pickler) global(mod, name string) { p.b = append(p.b, "c"+mod+"\n"+name+"\n"...) }

func (p *pickler) str(s string) {
	p.b = append(p.b, 'X')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
}

func (p *pickler) int(v int) {
	switch {
	case v >= 0 && v < 256:
		p.b = append(p.b, 'K', byte(v))
	case v >= 0 && v < 65536:
		p.b = binary.LittleEndian.AppendUint16(append(p.b, 'M'), uint16(v))
	default:
		p.b = binary.LittleEndian.AppendUint32(append(p.b, 'J'), uint32(int32(v)))
	}
}

func (p *pickler) ints(v []int) {
	p.b = append(p.b, '(')
	for _, x := range v {
		p.int(x)
	}
	p.b = append(p.b, 't')
}
