// Package pthtest writes files in the formats torch.save writes (zip,
// legacy stream, legacy tar) from Go, so that tests make their own .pth
// files, well-formed or hostile, without Python. The pickles are built
// from values (Encode) or written byte by byte (Raw).
package pthtest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Values Encode writes, besides nil, bool, int, int64, float64, string.
// (Arrays and slices, not structs, so tests can write them unkeyed.)
type (
	Global      [2]string // module, name
	Reduce      [2]any    // Global, Tuple: the call
	PersID      [1]any    // BINPERSID of the value
	KV          [2]any    // key, value
	OrderedDict []KV      // collections.OrderedDict(), then SETITEMS
	Dict        []KV
	Tuple       []any
	List        []any
	Raw         []byte   // written as is: any opcodes at all
	BigInt      *big.Int // LONG1
	Build       [2]any   // object, state: BUILD
)

// Encode is a protocol-2 pickle of v, with its STOP.
func Encode(v any) []byte {
	b := []byte{0x80, 2}
	b = enc(b, v)
	return append(b, '.')
}

func enc(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, 'N')
	case bool:
		if v {
			return append(b, 0x88)
		}
		return append(b, 0x89)
	case int:
		return encInt(b, int64(v))
	case int64:
		return encInt(b, v)
	case float64:
		b = append(b, 'G')
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
	case string:
		b = append(b, 'X')
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		return append(b, v...)
	case BigInt:
		le := (*big.Int)(v).Bytes()
		for i, j := 0, len(le)-1; i < j; i, j = i+1, j-1 {
			le[i], le[j] = le[j], le[i]
		}
		if len(le) > 0 && le[len(le)-1]&0x80 != 0 {
			le = append(le, 0)
		}
		b = append(b, 0x8a, byte(len(le)))
		return append(b, le...)
	case Global:
		return append(b, "c"+v[0]+"\n"+v[1]+"\n"...)
	case Reduce:
		b = enc(b, v[0])
		if v[1] == nil {
			v[1] = Tuple{}
		}
		b = enc(b, v[1])
		return append(b, 'R')
	case PersID:
		b = enc(b, v[0])
		return append(b, 'Q')
	case Build:
		b = enc(b, v[0])
		b = enc(b, v[1])
		return append(b, 'b')
	case Tuple:
		if len(v) == 0 {
			return append(b, ')')
		}
		b = append(b, '(')
		for _, x := range v {
			b = enc(b, x)
		}
		return append(b, 't')
	case List:
		b = append(b, ']', '(')
		for _, x := range v {
			b = enc(b, x)
		}
		return append(b, 'e')
	case OrderedDict:
		b = enc(b, Reduce{Global{"collections", "OrderedDict"}, Tuple{}})
		return setItems(b, v)
	case Dict:
		return setItems(append(b, '}'), v)
	case Raw:
		return append(b, v...)
	}
	panic(fmt.Sprintf("pthtest: cannot encode %T", v))
}

func setItems(b []byte, kvs []KV) []byte {
	b = append(b, '(')
	for _, kv := range kvs {
		b = enc(b, kv[0])
		b = enc(b, kv[1])
	}
	return append(b, 'u')
}

func encInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v < 256:
		return append(b, 'K', byte(v))
	case v >= 0 && v < 65536:
		return binary.LittleEndian.AppendUint16(append(b, 'M'), uint16(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(b, 'J'), uint32(int32(v)))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0x8a, 8), uint64(v))
}

// Tensor is one entry of a state dict to write.
type Tensor struct {
	Name   string
	Dtype  string // float32 (default), float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool
	Shape  []int
	Stride []int // nil: contiguous
	Offset int   // in the storage, in elements
	// Values fill the storage (converted to Dtype); Key names it, and
	// tensors with the same Key share one storage (the first one's values).
	Values []float64
	Key    string
	Param  bool // saved as an nn.Parameter (_rebuild_parameter)
}

// StorageName is the torch storage class of a dtype.
func StorageName(dtype string) string {
	return map[string]string{"": "FloatStorage", "float32": "FloatStorage", "float16": "HalfStorage", "bfloat16": "BFloat16Storage",
		"float64": "DoubleStorage", "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
		"uint8": "ByteStorage", "bool": "BoolStorage"}[dtype]
}

// ElemSize is a dtype's size in bytes.
func ElemSize(dtype string) int {
	switch dtype {
	case "float64", "int64":
		return 8
	case "", "float32", "int32":
		return 4
	case "float16", "bfloat16", "int16":
		return 2
	}
	return 1
}

// Bytes is values in dtype, little-endian.
func Bytes(dtype string, values []float64) []byte {
	var b []byte
	for _, v := range values {
		switch dtype {
		case "", "float32":
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		case "float64":
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		case "float16":
			b = binary.LittleEndian.AppendUint16(b, half(float32(v)))
		case "bfloat16":
			b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(float32(v))>>16))
		case "int64":
			b = binary.LittleEndian.AppendUint64(b, uint64(int64(v)))
		case "int32":
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(v)))
		case "int16":
			b = binary.LittleEndian.AppendUint16(b, uint16(int16(v)))
		case "int8", "uint8", "bool":
			b = append(b, byte(int64(v)))
		default:
			panic("pthtest: dtype " + dtype)
		}
	}
	return b
}

// half rounds to an IEEE half (for values a half holds, exactly).
func half(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int(bits>>23&0xff) - 127 + 15
	frac := bits & 0x7fffff
	switch {
	case bits&0x7fffffff == 0:
		return sign
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0: // subnormal
		return sign | uint16((frac|0x800000)>>uint(14-exp))
	}
	return sign | uint16(exp)<<10 | uint16(frac>>13)
}

func (t Tensor) stride() []int {
	if t.Stride != nil {
		return t.Stride
	}
	s := make([]int, len(t.Shape))
	n := 1
	for i := len(t.Shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= t.Shape[i]
	}
	return s
}

func ints(v []int) Tuple {
	t := Tuple{}
	for _, x := range v {
		t = append(t, x)
	}
	return t
}

// storages lists the distinct storages in order of first use.
func storages(ts []Tensor) (keys []string, byKey map[string]Tensor) {
	byKey = map[string]Tensor{}
	for i, t := range ts {
		k := t.Key
		if k == "" {
			k = strconv.Itoa(i)
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
			byKey[k] = t
		}
	}
	return keys, byKey
}

func keyOf(i int, t Tensor) string {
	if t.Key == "" {
		return strconv.Itoa(i)
	}
	return t.Key
}

// rebuild is the pickled tensor on storage id.
func rebuild(t Tensor, storageID any) any {
	r := Reduce{Global{"torch._utils", "_rebuild_tensor_v2"},
		Tuple{PersID{storageID}, t.Offset, ints(t.Shape), ints(t.stride()), false, OrderedDict{}}}
	if t.Param {
		return Reduce{Global{"torch._utils", "_rebuild_parameter"}, Tuple{r, true, OrderedDict{}}}
	}
	return r
}

// StatePickle is the zip format's data.pkl for ts.
func StatePickle(ts []Tensor) []byte {
	_, byKey := storages(ts)
	var sd OrderedDict
	for i, t := range ts {
		st := byKey[keyOf(i, t)]
		id := Tuple{"storage", Global{"torch", StorageName(st.Dtype)}, keyOf(i, t), "cpu", len(st.Values)}
		sd = append(sd, KV{t.Name, rebuild(t, id)})
	}
	return Encode(sd)
}

// Zip is torch's zip format for ts, with data.pkl replaced when pickle is
// not nil. Records are stored, as torch stores them.
func Zip(ts []Tensor, pickle []byte) []byte {
	if pickle == nil {
		pickle = StatePickle(ts)
	}
	keys, byKey := storages(ts)
	recs := []KV{{"archive/data.pkl", pickle}, {"archive/byteorder", []byte("little")}}
	for _, k := range keys {
		st := byKey[k]
		recs = append(recs, KV{"archive/data/" + k, Bytes(st.Dtype, st.Values)})
	}
	recs = append(recs, KV{"archive/version", []byte("3\n")})
	return ZipRecords(recs)
}

// ZipRecords is a zip archive of the records (name string, data []byte)
// given, stored.
func ZipRecords(recs []KV) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range recs {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r[0].(string), Method: zip.Store})
		if err != nil {
			panic(err)
		}
		w.Write(r[1].([]byte))
	}
	zw.Close()
	return buf.Bytes()
}

// Magic is the legacy format's magic number.
var Magic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// Legacy is torch's legacy stream format (_use_new_zipfile_serialization
// =False) for ts; with pickle not nil, that is the object pickle.
func Legacy(ts []Tensor, pickle []byte) []byte {
	keys, byKey := storages(ts)
	if pickle == nil {
		var sd OrderedDict
		for i, t := range ts {
			st := byKey[keyOf(i, t)]
			id := Tuple{"storage", Global{"torch", StorageName(st.Dtype)}, keyOf(i, t), "cpu", len(st.Values), nil}
			sd = append(sd, KV{t.Name, rebuild(t, id)})
		}
		pickle = Encode(sd)
	}
	var b []byte
	b = append(b, Encode(BigInt(Magic))...)
	b = append(b, Encode(1001)...)
	b = append(b, Encode(Dict{{"protocol_version", 1001}, {"little_endian", true},
		{"type_sizes", Dict{{"short", 2}, {"int", 4}, {"long", 8}}}})...)
	b = append(b, pickle...)
	var kl List
	for _, k := range keys {
		kl = append(kl, k)
	}
	b = append(b, Encode(kl)...)
	for _, k := range keys {
		st := byKey[k]
		b = binary.LittleEndian.AppendUint64(b, uint64(len(st.Values)))
		b = append(b, Bytes(st.Dtype, st.Values)...)
	}
	return b
}

// Tar is the oldest format, a tar of storages, tensors and pickle. Keys
// are ints, as id() gave them.
func Tar(ts []Tensor) []byte {
	keys, byKey := storages(ts)
	id := map[string]int{}
	var st []byte
	st = append(st, Encode(len(keys))...)
	for i, k := range keys {
		id[k] = 1000 + i
		s := byKey[k]
		st = append(st, Encode(Tuple{id[k], "cpu", Global{"torch", StorageName(s.Dtype)}})...)
		st = binary.LittleEndian.AppendUint64(st, uint64(len(s.Values)))
		st = append(st, Bytes(s.Dtype, s.Values)...)
	}
	st = append(st, Encode(List{})...) // no views
	var tn []byte
	tn = append(tn, Encode(len(ts))...)
	var sd OrderedDict
	for i, t := range ts {
		key := 5000 + i
		tn = append(tn, Encode(Tuple{key, id[keyOf(i, t)], Global{"torch", "FloatTensor"}})...)
		tn = binary.LittleEndian.AppendUint32(tn, uint32(len(t.Shape)))
		tn = append(tn, 0, 0, 0, 0)
		for _, s := range t.Shape {
			tn = binary.LittleEndian.AppendUint64(tn, uint64(s))
		}
		for _, s := range t.stride() {
			tn = binary.LittleEndian.AppendUint64(tn, uint64(s))
		}
		tn = binary.LittleEndian.AppendUint64(tn, uint64(t.Offset))
		sd = append(sd, KV{t.Name, PersID{strconv.Itoa(key)}})
	}
	return TarParts(map[string][]byte{"sys_info": Encode(Dict{{"little_endian", true}}), "storages": st, "tensors": tn, "pickle": Encode(sd)})
}

// TarParts is a tar of the named parts, in the order torch writes them.
func TarParts(parts map[string][]byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"sys_info", "storages", "tensors", "pickle"} {
		data, ok := parts[name]
		if !ok {
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Format: tar.FormatPAX})
		tw.Write(data)
	}
	tw.Close()
	return buf.Bytes()
}
