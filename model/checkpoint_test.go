package model

import (
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
	os.WriteFile(SidecarPath(p), []byte(`{"backbone":"mobilenetv2","classes":["a","b"],"input_size":160}`), 0o644)
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
