package pth

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/model"
	pt "github.com/labelloop/labelloop/model/pth/pthtest"
)

func seq(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

// sample is a small state dict with what torch.save writes for a real
// network: float32 weights (one a Parameter), an fp16 and an fp64 tensor,
// a bfloat16 one, an int64 scalar (num_batches_tracked), and a transposed
// view sharing another tensor's storage at an offset.
func sample() []pt.Tensor {
	return []pt.Tensor{
		{Name: "conv.weight", Shape: []int{2, 3, 1, 1}, Values: seq(6, func(i int) float64 { return float64(i) - 2.5 }), Param: true},
		{Name: "bn.running_var", Dtype: "float16", Shape: []int{3}, Values: []float64{1, 0.5, 65504}},
		{Name: "bn.running_mean", Dtype: "float64", Shape: []int{3}, Values: []float64{0.1, -0.2, 1e-3}},
		{Name: "bn.weight", Dtype: "bfloat16", Shape: []int{2}, Values: []float64{1.5, -2}},
		{Name: "bn.num_batches_tracked", Dtype: "int64", Shape: []int{}, Values: []float64{12345}},
		{Name: "fc.weight", Shape: []int{2, 3}, Values: seq(8, func(i int) float64 { return float64(i) }), Key: "shared"},
		{Name: "fc.weight_t", Shape: []int{3, 2}, Stride: []int{1, 3}, Offset: 2, Key: "shared"},
	}
}

// want is what Read must give for sample().
var want = map[string]Tensor{
	"conv.weight":            {Dtype: "float32", Shape: []int{2, 3, 1, 1}, Data: []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}},
	"bn.running_var":         {Dtype: "float16", Shape: []int{3}, Data: []float32{1, 0.5, 65504}},
	"bn.running_mean":        {Dtype: "float64", Shape: []int{3}, Data: []float32{0.1, -0.2, 1e-3}},
	"bn.weight":              {Dtype: "bfloat16", Shape: []int{2}, Data: []float32{1.5, -2}},
	"bn.num_batches_tracked": {Dtype: "int64", Shape: []int{}, Data: []float32{12345}},
	"fc.weight":              {Dtype: "float32", Shape: []int{2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}},
	"fc.weight_t":            {Dtype: "float32", Shape: []int{3, 2}, Data: []float32{2, 5, 3, 6, 4, 7}},
}

func write(t *testing.T, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Each of torch.save's three formats reads back the same state dict, in
// its order, every dtype converted to float32 and views resolved.
func TestReadFormats(t *testing.T) {
	for _, c := range []struct {
		format string
		data   []byte
	}{{"zip", pt.Zip(sample(), nil)}, {"legacy", pt.Legacy(sample(), nil)}, {"tar", pt.Tar(sample())}} {
		t.Run(c.format, func(t *testing.T) {
			sd, err := Read(write(t, "w.pth", c.data))
			if err != nil {
				t.Fatal(err)
			}
			if sd.Format != c.format || len(sd.Names) != len(want) || sd.Names[0] != "conv.weight" || sd.Names[6] != "fc.weight_t" {
				t.Fatalf("format %s, names %v", sd.Format, sd.Names)
			}
			for name, w := range want {
				if got := sd.Tensors[name]; !reflect.DeepEqual(got, w) {
					t.Errorf("%s: %+v, want %+v", name, got, w)
				}
			}
		})
	}
}

// A training checkpoint's dict holds its state dict under "state_dict"
// (or "model"); an OrderedDict's _metadata (BUILD) is dropped; a
// big-endian zip (byteorder "big") is swapped.
func TestReadNestedMetadataAndBigEndian(t *testing.T) {
	ts := sample()[:1]
	inner := pt.StatePickle(ts)
	sd := pt.Build{pt.Raw(inner[2 : len(inner)-1]), pt.Dict{{"_metadata", pt.OrderedDict{{"", pt.Dict{{"version", 1}}}}}}}
	ck := pt.Encode(pt.Dict{{"epoch", 3}, {"state_dict", sd}, {"optimizer", pt.Dict{{"state", pt.Dict{{0, pt.Dict{}}}}}}})
	got, err := Read(write(t, "ck.pth", pt.Zip(ts, ck)))
	if err != nil || !reflect.DeepEqual(got.Tensors["conv.weight"], want["conv.weight"]) {
		t.Fatalf("%v %+v", err, got)
	}
	// big-endian storage bytes
	vals := []byte{0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0} // 1, -2
	rec := pt.ZipRecords([]pt.KV{{"a/data.pkl", pt.StatePickle([]pt.Tensor{{Name: "w", Shape: []int{2}, Values: []float64{9, 9}}})},
		{"a/byteorder", []byte("big")}, {"a/data/0", vals}})
	got, err = Read(write(t, "be.pth", rec))
	if err != nil || !reflect.DeepEqual(got.Tensors["w"].Data, []float32{1, -2}) {
		t.Fatalf("big endian: %v %+v", err, got)
	}
}

// readsWithin fails the test if Read takes more than a few seconds: a
// 0-byte file made gotch's reader loop for ever.
func readsWithin(t *testing.T, p string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Read(p)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: Read did not return", p)
	}
	return nil
}

// Hostile and broken files: each is an error naming the file and what is
// wrong (the pickle's opcode or class, the record, the tensor), never a
// panic, a hang or an allocation the file's size does not justify.
func TestReadRefusals(t *testing.T) {
	f32 := func(name string, n int) pt.Tensor {
		return pt.Tensor{Name: name, Shape: []int{n}, Values: seq(n, func(i int) float64 { return float64(i) })}
	}
	storageID := func(key string, numel int) pt.Tuple {
		return pt.Tuple{"storage", pt.Global{"torch", "FloatStorage"}, key, "cpu", numel}
	}
	tensorOn := func(id pt.Tuple, off int, size, stride pt.Tuple) pt.Reduce {
		return pt.Reduce{pt.Global{"torch._utils", "_rebuild_tensor_v2"}, pt.Tuple{pt.PersID{id}, off, size, stride, false, pt.OrderedDict{}}}
	}
	good := f32("w", 4)
	zipWith := func(v any) []byte { return pt.Zip([]pt.Tensor{good}, pt.Encode(v)) }
	huge := pt.Raw{'X', 0xff, 0xff, 0xff, 0xff}
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "empty file", nil},
		{"text", "not a file torch.save writes", []byte("not a pickle")},
		{"int keys", "key 1 is the int 3: a state dict maps tensor names", zipWith(pt.OrderedDict{{3, tensorOn(storageID("0", 4), 0, pt.Tuple{4}, pt.Tuple{1})}})},
		{"None value", `"w" is None, not a tensor`, zipWith(pt.OrderedDict{{"w", nil}})},
		{"int value", `"epoch" is the int 3, not a tensor`, zipWith(pt.Dict{{"epoch", 3}})},
		{"os.system", "global os.system is not allowed", zipWith(pt.Reduce{pt.Global{"os", "system"}, pt.Tuple{"echo pwned"}})},
		{"builtins.eval", "global builtins.eval is not allowed", zipWith(pt.Raw("\x8c\x08builtins\x8c\x04eval\x93"))},
		{"NEWOBJ", "opcode 0x81 (NEWOBJ): not allowed", zipWith(pt.Raw{'N', ')', 0x81})},
		{"INST", "opcode 0x69 (INST): not allowed", zipWith(pt.Raw("ios\nsystem\n"))},
		{"not a dict", "holds a list of 0, not a state dict", zipWith(pt.List{})},
		{"empty dict", "the state dict is empty", zipWith(pt.OrderedDict{})},
		{"no STOP", "ends before its STOP", pt.Zip([]pt.Tensor{good}, []byte{0x80, 2, '}'})},
		{"stack underflow", "opcode 0x73 (SETITEM): the stack is empty", zipWith(pt.Raw{'s'})},
		{"huge string", "past the end of the data", zipWith(huge)},
		{"huge LONG4", "an integer of", zipWith(pt.Raw{0x8b, 0xff, 0xff, 0xff, 0x7f})},
		{"memo miss", "memo 7 was never stored", zipWith(pt.Raw{'h', 7})},
		{"calling a storage type", "calling torch.FloatStorage", zipWith(pt.Reduce{pt.Global{"torch", "FloatStorage"}, pt.Tuple{}})},
		{"deep marks", "nested more than 1000 deep", zipWith(pt.Raw(strings.Repeat("(", 1001)))},
		{"unhashable key", "unhashable", zipWith(pt.Raw{'}', ']', 'N', 's'})},
		{"storage longer than its record", "data/0: 16 bytes, want 4000", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 1000), 0, pt.Tuple{1000}, pt.Tuple{1})}})},
		{"missing record", "archive/data/9: missing", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("9", 4), 0, pt.Tuple{4}, pt.Tuple{1})}})},
		{"tensor past its storage", `tensor "w": size [5], stride [1] at offset 0 reach element 4 of a storage of 4`, zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{5}, pt.Tuple{1})}})},
		{"offset past its storage", "reach element 6", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 3, pt.Tuple{2, 2}, pt.Tuple{2, 1})}})},
		{"stride overflow", "past any storage", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{2, 2}, pt.Tuple{int64(1) << 62, 1})}})},
		{"size overflow", "more than", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{int64(1) << 40, int64(1) << 40}, pt.Tuple{0, 0})}})},
		{"expanded to billions", "more than", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{int64(1) << 33}, pt.Tuple{0})}})},
		{"negative size", "a tensor size of the int -1", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{-1}, pt.Tuple{1})}})},
		{"size and stride differ", "1 dimensions with 2 strides", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 4), 0, pt.Tuple{4}, pt.Tuple{1, 1})}})},
		{"storage of 2^62", "a storage of the int", zipWith(pt.OrderedDict{{"w", tensorOn(storageID("0", 1<<62), 0, pt.Tuple{4}, pt.Tuple{1})}})},
		{"unknown storage type", "global os.Storage is not allowed", zipWith(pt.OrderedDict{{"w", tensorOn(pt.Tuple{"storage", pt.Global{"os", "Storage"}, "0", "cpu", 4}, 0, pt.Tuple{4}, pt.Tuple{1})}})},
		{"whole module", "a whole pickled module", zipWith(pt.PersID{pt.Tuple{"module", "x"}})},
		{"torchscript", "TorchScript", pt.ZipRecords([]pt.KV{{"m/data.pkl", pt.Encode(nil)}, {"m/constants.pkl", pt.Encode(nil)}})},
		{"zip without pickle", "without a DIR/data.pkl", pt.ZipRecords([]pt.KV{{"x/y", []byte("z")}})},
		{"bad byteorder", `byteorder: "middle"`, pt.ZipRecords([]pt.KV{{"a/data.pkl", pt.Encode(nil)}, {"a/byteorder", []byte("middle")}})},
		{"truncated zip", "damaged zip", pt.Zip([]pt.Tensor{good}, nil)[:100]},
		{"legacy truncated", "storage 0: a length of 16 bytes, past the end", pt.Legacy([]pt.Tensor{good}, nil)[:len(pt.Legacy([]pt.Tensor{good}, nil))-3]},
		{"legacy wrong count", "storage 0: 5 elements, the pickle says 4", legacyCount(pt.Legacy([]pt.Tensor{good}, nil), 5)},
		{"legacy module", "a whole pickled module", pt.Legacy([]pt.Tensor{good}, pt.Encode(pt.PersID{pt.Tuple{"module", "M", "f.py", "src"}}))},
		{"tar without tensors", "tensors: missing", pt.TarParts(map[string][]byte{"storages": pt.Encode(0), "pickle": pt.Encode(nil)})},
		{"tar tensor on no storage", "tensor the int 1 on storage the int 99", pt.TarParts(map[string][]byte{"storages": append(pt.Encode(0), pt.Encode(pt.List{})...),
			"tensors": append(pt.Encode(1), pt.Encode(pt.Tuple{1, 99, pt.Global{"torch", "FloatTensor"}})...), "pickle": pt.Encode(nil)})},
		{"tar huge count", "a count that is the int", pt.TarParts(map[string][]byte{"storages": pt.Encode(1 << 30), "tensors": pt.Encode(0), "pickle": pt.Encode(nil)})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, "bad.pth", c.data)
			err := readsWithin(t, p)
			var be *model.BadFileError
			if err == nil || !errors.As(err, &be) || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v\nwant the file and %q", err, c.want)
			}
		})
	}
	if _, err := Read(t.TempDir()); err == nil {
		t.Fatal("read a folder")
	}
}

// legacyCount rewrites the element count before a legacy file's only
// storage.
func legacyCount(b []byte, n uint64) []byte {
	b = append([]byte(nil), b...)
	i := len(b) - 16 - 8
	for k := range 8 {
		b[i+k] = byte(n >> (8 * k))
	}
	return b
}

// Whatever a file holds, Read returns an error or tensors whose values it
// really read: no panic, no hang, memory bounded by the limits.
func FuzzReadPth(f *testing.F) {
	MaxElements, MaxBytes = 1<<20, 1<<22
	for _, ts := range [][]pt.Tensor{sample(), sample()[:2], {{Name: "a", Shape: []int{2}, Values: []float64{1, 2}}}} {
		f.Add(pt.Zip(ts, nil))
		f.Add(pt.Legacy(ts, nil))
		f.Add(pt.Tar(ts))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := read("f.pth", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		total := 0
		for _, name := range sd.Names {
			x := sd.Tensors[name]
			n := 1
			for _, d := range x.Shape {
				n *= d
			}
			if n != len(x.Data) {
				t.Fatalf("%s: %d values for shape %v", name, len(x.Data), x.Shape)
			}
			total += n
		}
		if int64(total) > MaxElements {
			t.Fatalf("%d values", total)
		}
	})
}

func TestHalf(t *testing.T) {
	for h, want := range map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.960464477539063e-08, 0x8000: float32(math.Copysign(0, -1)), 0x3555: 0.33325195} {
		if got := halfToFloat(h); got != want || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Errorf("%#04x: %v, want %v", h, got, want)
		}
	}
	if v := halfToFloat(0x7c00); !math.IsInf(float64(v), 1) {
		t.Error("inf")
	}
	if v := halfToFloat(0x7e00); !math.IsNaN(float64(v)) {
		t.Error("nan")
	}
}
