package model

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckpointRoundTripAndMismatch(t *testing.T) {
	dir := t.TempDir()
	ck := &Checkpoint{Backbone: MobileNetV2, Classes: []string{"a", "b", "c"}, Anchors: DefaultAnchors, InputSize: 160, Resize: "letterbox", Epoch: 7}
	g, _ := Build(ck.Config())
	w := FixtureWeights(g)
	p := filepath.Join(dir, "best.safetensors")
	if err := SaveCheckpoint(p, ck, w); err != nil {
		t.Fatal(err)
	}
	ck2, w2, err := LoadCheckpoint(p)
	if err != nil {
		t.Fatal(err)
	}
	if ck2.Epoch != 7 || len(ck2.Classes) != 3 || len(w2) != len(w) {
		t.Fatalf("%+v %d", ck2, len(w2))
	}
	name := "yolo_head1.1.weight"
	if w2[name][5] != w[name][5] {
		t.Fatal("values differ")
	}
	// a sidecar claiming another class count: the first mismatch is named
	ck.Classes = []string{"a", "b"}
	os.WriteFile(SidecarPath(p), []byte(`{"backbone":"mobilenetv2","classes":["a","b"],"input_size":160,"anchors":[[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2]]}`), 0o644)
	if _, _, err := LoadCheckpoint(p); err == nil || !strings.Contains(err.Error(), "yolo_head3.1.weight has shape [24 256 1 1]") {
		t.Fatalf("mismatch: %v", err)
	}
	os.Remove(SidecarPath(p))
	if _, _, err := LoadCheckpoint(p); err == nil || !strings.Contains(err.Error(), "sidecar") {
		t.Fatalf("no sidecar: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "junk.safetensors"), []byte("hello"), 0o644)
	if _, err := ReadSafetensors(filepath.Join(dir, "junk.safetensors")); err == nil {
		t.Fatal("junk accepted")
	}
}

// Weights that diverged are refused where they are read, naming the file
// and the tensor: export wrote them and failed only in verification.
func TestLoadCheckpointRefusesNonFinite(t *testing.T) {
	ck := &Checkpoint{Backbone: MobileNetV3, Classes: []string{"a"}, Anchors: DefaultAnchors, InputSize: 64, Resize: "letterbox"}
	g, _ := Build(ck.Config())
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		w := FixtureWeights(g)
		w["yolo_head2.1.bias"][3] = bad
		p := filepath.Join(t.TempDir(), "nan.safetensors")
		if err := SaveCheckpoint(p, ck, w); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadCheckpoint(p)
		if err == nil || !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), p+`: tensor "yolo_head2.1.bias": value 3 is `) {
			t.Fatalf("%v: %v", bad, err)
		}
	}
}

// Saving a checkpoint against writing the same number of bytes with
// os.WriteFile (the disk's floor): `go test -bench SaveCheckpoint ./model/`.
func BenchmarkSaveCheckpoint(b *testing.B) {
	g, _ := Build(Config{Backbone: MobileNetV3, NumClasses: 3, InputSize: 128})
	w := FixtureWeights(g)
	ck := &Checkpoint{Backbone: MobileNetV3, Classes: []string{"a", "b", "c"}, Anchors: DefaultAnchors, InputSize: 128}
	dir := b.TempDir()
	p := filepath.Join(dir, "x.safetensors")
	if err := SaveCheckpoint(p, ck, w); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(p)
	raw := make([]byte, st.Size())
	b.Run("checkpoint", func(b *testing.B) {
		b.SetBytes(st.Size())
		for range b.N {
			if err := SaveCheckpoint(p, ck, w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("os.WriteFile", func(b *testing.B) {
		b.SetBytes(st.Size())
		for range b.N {
			if err := os.WriteFile(filepath.Join(dir, "raw"), raw, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	})
}
