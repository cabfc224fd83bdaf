package model

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// safetensorsFile is a header (padded as the format wants) and a body.
func safetensorsFile(header string, body []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), body...)
}

// Every malformed header is an error naming the file and the tensor,
// never a panic or a giant allocation (shape [2^62] with offsets [0,0]
// was a makeslice panic).
func TestReadSafetensorsRefusesHostileHeaders(t *testing.T) {
	dir := t.TempDir()
	body := make([]byte, 16)
	cases := []struct{ name, header, want string }{
		{"huge shape", `{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`, "needs more than"},
		{"overflowing product", `{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}`, "needs more than"},
		{"zero times huge", `{"w":{"dtype":"F32","shape":[0,4611686018427387904],"data_offsets":[0,4]}}`, "needs 0 bytes"},
		{"negative dim", `{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}`, "negative"},
		{"int64 size mismatch", `{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,16]}}`, "needs 8 bytes"},
		{"unknown dtype", `{"w":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}`, `unknown dtype "F33"`},
		{"offsets reversed", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}`, "outside"},
		{"offsets past the end", `{"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}`, "outside"},
		{"negative offset", `{"w":{"dtype":"U8","shape":[4],"data_offsets":[-4,0]}}`, "outside"},
		{"three offsets", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, "two numbers"},
		{"no dtype", `{"w":{"shape":[1],"data_offsets":[0,4]}}`, "no dtype"},
		{"no shape", `{"w":{"dtype":"F32","data_offsets":[0,4]}}`, "no shape"},
		{"float shape", `{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, "cannot unmarshal"},
		{"unknown field", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, "unknown field"},
		{"entry not an object", `{"w":[1,2]}`, "cannot unmarshal"},
		{"metadata not strings", `{"__metadata__":{"a":1}}`, "__metadata__"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".safetensors")
			if err := os.WriteFile(p, safetensorsFile(c.header, body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadSafetensors(p)
			var bad *BadFileError
			if err == nil || !errors.As(err, &bad) || !errors.Is(err, ErrBadFile) {
				t.Fatalf("case %d: want a *BadFileError, got %v", i, err)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("case %d: %v: want the file and %q", i, err, c.want)
			}
			if c.name != "metadata not strings" && bad.Field != `tensor "w"` {
				t.Fatalf("case %d: field %q, want the tensor", i, bad.Field)
			}
		})
	}
	// the header's length itself
	for _, n := range []uint64{1 << 62, 17, 200 << 20} {
		data := binary.LittleEndian.AppendUint64(nil, n)
		data = append(data, "{}      "...)
		if _, err := parseSafetensors("x.safetensors", data); err == nil || !strings.Contains(err.Error(), "header length") {
			t.Fatalf("header length %d: %v", n, err)
		}
	}
	if _, err := parseSafetensors("x.safetensors", safetensorsFile(`{"a":`, nil)); err == nil || !strings.Contains(err.Error(), "x.safetensors: not a safetensors file") {
		t.Fatalf("bad JSON: %v", err)
	}
	// a good one still reads
	good := safetensorsFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"s":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`, body)
	got, err := parseSafetensors("good", good)
	if err != nil || len(got["w"].F32) != 4 || len(got["s"].Shape) != 0 {
		t.Fatalf("%v %+v", err, got)
	}
}

// Whatever a file holds, parseSafetensors returns an error or tensors
// whose data the file really holds: no panic, no allocation beyond it.
func FuzzReadSafetensors(f *testing.F) {
	f.Add(safetensorsFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"s":{"dtype":"I64","shape":[],"data_offsets":[16,24]}}`, make([]byte, 24)))
	f.Add(safetensorsFile(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`, nil))
	f.Add(safetensorsFile(`{"a":{"dtype":"BF16","shape":[1,3],"data_offsets":[0,6]},"b":{"dtype":"U8","shape":[0],"data_offsets":[6,6]}}`, make([]byte, 8)))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := parseSafetensors("f.safetensors", data)
		if err != nil {
			return
		}
		for name, x := range ts {
			n := 1
			for _, d := range x.Shape {
				if d < 0 || d > len(data) && n != 0 {
					t.Fatalf("%s: shape %v from %d bytes", name, x.Shape, len(data))
				}
				n *= d
			}
			if x.Dtype == "F32" && len(x.F32) != n || 4*len(x.F32) > len(data) {
				t.Fatalf("%s: %d values for shape %v", name, len(x.F32), x.Shape)
			}
		}
	})
}

// Metadata written with a checkpoint (or any tensors) reads back, from
// the header alone or with the tensors.
func TestSafetensorsMetadata(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.safetensors")
	meta := map[string]string{"labelloop.set": "e3-s42", "step": "42"}
	if err := WriteTensors(p, []string{"m/a", "v/a"}, [][]int{{2, 2}, {4}}, [][]float32{{1, 2, 3, 4}, {5, 6, 7, 8}}, meta); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSafetensorsMetadata(p)
	if err != nil || got["labelloop.set"] != "e3-s42" || got["step"] != "42" {
		t.Fatalf("%v %v", err, got)
	}
	ts, m2, err := ReadSafetensorsMeta(p)
	if err != nil || m2["step"] != "42" || ts["v/a"].F32[3] != 8 || len(ts["m/a"].Shape) != 2 {
		t.Fatalf("%v %v %+v", err, m2, ts)
	}
	if err := WriteTensors(p, []string{"x"}, [][]int{{3}}, [][]float32{{1}}, nil); err == nil {
		t.Fatal("3 values claimed for 1")
	}
	ck := &Checkpoint{Backbone: MobileNetV3, Classes: []string{"a"}, Anchors: DefaultAnchors, InputSize: 64}
	g, _ := Build(ck.Config())
	w := filepath.Join(dir, "w.safetensors")
	if err := SaveCheckpointMeta(w, ck, FixtureWeights(g), map[string]string{"labelloop.epoch": "7"}); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadSafetensorsMetadata(w); err != nil || m["labelloop.epoch"] != "7" || m["format"] != "pt" {
		t.Fatalf("%v %v", err, m)
	}
}
