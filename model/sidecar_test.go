package model

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A sidecar's fields are checked where it is read: each refusal names the
// file and the field (before, negative or missing anchors, an unknown
// resize mode, input 2048 and class names with a newline or NUL passed).
func TestReadSidecarRefusals(t *testing.T) {
	dir := t.TempDir()
	good := func() map[string]any {
		return map[string]any{"backbone": "mobilenetv2", "classes": []string{"cat", "dog"}, "anchors": DefaultAnchors,
			"input_size": 416, "resize": "letterbox", "epoch": 3, "weights": "best.safetensors"}
	}
	cases := []struct {
		field string
		value any // nil: delete the field
		want  string
	}{
		{"backbone", "resnet50", "backbone"},
		{"classes", []string{}, "classes: empty"},
		{"classes", nil, "classes: empty"},
		{"classes", []string{"cat", "a\nb"}, "classes: class 2"},
		{"classes", []string{"a\x00b"}, "control character"},
		{"classes", []string{""}, "empty class name"},
		{"classes", []string{" cat"}, "spaces"},
		{"classes", []string{"cat", "cat"}, "twice"},
		{"anchors", DefaultAnchors[:8], "8 pairs, want 9"},
		{"anchors", append(DefaultAnchors[:], [2]float64{1, 1}), "10 pairs"},
		{"anchors", nil, "anchors: missing"},
		{"anchors", [][]float64{{1, 2, 3}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}}, "pair 1 has 3 numbers"},
		{"anchors", [][]float64{{12, 16}, {19, -36}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}}, "anchor 2"},
		{"anchors", [][]float64{{0, 16}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 2}}, "anchor 1"},
		{"input_size", 1 << 40, "input_size: 1099511627776"},
		{"input_size", 2048, "input_size: 2048"},
		{"input_size", 100, "input_size: 100"},
		{"input_size", nil, "input_size: 0"},
		{"input_size", 1e40, "not a checkpoint sidecar"},
		{"resize", "stretch", `resize: "stretch"`},
		{"epoch", -1, "epoch"},
	}
	for i, c := range cases {
		m := good()
		if c.value == nil {
			delete(m, c.field)
		} else {
			m[c.field] = c.value
		}
		data, _ := json.Marshal(m)
		p := filepath.Join(dir, "ck.json")
		os.WriteFile(p, data, 0o644)
		_, err := ReadSidecar(p)
		var bad *BadFileError
		if err == nil || !errors.As(err, &bad) || !strings.Contains(err.Error(), p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d (%s = %v): %v, want the file and %q", i, c.field, c.value, err, c.want)
		}
	}
	// no resize (sidecars from before it was written) is letterbox
	m := good()
	delete(m, "resize")
	data, _ := json.Marshal(m)
	p := filepath.Join(dir, "old.json")
	os.WriteFile(p, data, 0o644)
	if ck, err := ReadSidecar(p); err != nil || ck.InputSize != 416 || len(ck.Classes) != 2 {
		t.Fatalf("%v %+v", err, ck)
	}
	// SaveCheckpoint writes nothing that LoadCheckpoint would refuse
	ck := &Checkpoint{Backbone: MobileNetV3, Classes: []string{"a\nb"}, Anchors: DefaultAnchors, InputSize: 64}
	w := filepath.Join(dir, "w.safetensors")
	if err := SaveCheckpoint(w, ck, nil); err == nil || !strings.Contains(err.Error(), "classes") {
		t.Fatalf("saved a bad class name: %v", err)
	}
	if _, err := os.Stat(w); !os.IsNotExist(err) {
		t.Fatalf("weights written for a refused sidecar: %v", err)
	}
}

// Whatever a sidecar holds, parseSidecar refuses it or returns one a
// network can be built for.
func FuzzReadSidecar(f *testing.F) {
	good, _ := json.Marshal(&Checkpoint{Backbone: MobileNetV2, Classes: []string{"cat", "dog"}, Anchors: DefaultAnchors, InputSize: 416, Resize: "letterbox", Epoch: 3,
		Metrics: map[string]float64{"map50": 0.5}, WeightFile: "best.safetensors"})
	f.Add(good)
	f.Add([]byte(`{"backbone":"mobilenetv3","classes":["a"],"anchors":[[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2],[1,2]],"input_size":1099511627776}`))
	f.Add([]byte(`{"backbone":"mobilenetv1","classes":["a\u0000"],"anchors":[],"input_size":32,"resize":"plain"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := parseSidecar("f.json", data)
		if err != nil {
			return
		}
		if _, err := ck.check(); err != nil {
			t.Fatalf("accepted %+v: %v", ck, err)
		}
		if _, err := Build(ck.Config()); err != nil {
			t.Fatalf("accepted %+v: %v", ck, err)
		}
	})
}
