package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/internal/atomicfile"
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
// sidecar. num_batches_tracked entries are written as int64 zeros. A
// sidecar LoadCheckpoint would refuse is not written, nor its weights.
func SaveCheckpoint(path string, ck *Checkpoint, w map[string][]float32) error {
	return SaveCheckpointMeta(path, ck, w, nil)
}

// SaveCheckpointMeta is SaveCheckpoint with metadata in the weights
// file's own header (ReadSafetensorsMetadata reads it back): training
// stamps each checkpoint with its epoch, step and save, so the weights
// say what they are even when a crash left an older sidecar beside them.
func SaveCheckpointMeta(path string, ck *Checkpoint, w map[string][]float32, meta map[string]string) error {
	if field, err := ck.check(); err != nil {
		return badFile(SidecarPath(path), field, "%v", err)
	}
	g, err := Build(ck.Config())
	if err != nil {
		return err
	}
	ck.WeightFile = filepath.Base(path)
	m := map[string]string{"format": "pt"}
	for k, v := range meta {
		m[k] = v
	}
	if err := WriteSafetensors(path, g, w, m); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(ck, "", "  ")
	return atomicfile.WriteFile(SidecarPath(path), append(data, '\n'), 0o644)
}

// LoadCheckpoint reads a checkpoint and checks every tensor against the
// network it claims to be; the first mismatch is named, and so is the
// first value that is not finite (diverged weights would only give NaN
// detections, or a run that diverges at its first step).
func LoadCheckpoint(path string) (*Checkpoint, map[string][]float32, error) {
	ck, err := ReadSidecar(SidecarPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s needs its sidecar %s (backbone, classes, anchors, input size): %w", path, SidecarPath(path), err)
	} else if err != nil {
		return nil, nil, err
	}
	g, err := Build(ck.Config())
	if err != nil {
		return nil, nil, badFile(SidecarPath(path), "", "%v", err)
	}
	tensors, err := ReadSafetensors(path)
	if err != nil {
		return nil, nil, err
	}
	w, err := matchParams(g, tensors)
	if err != nil {
		return nil, nil, &BadFileError{Path: path, Msg: err.Error()}
	}
	if name, i, v, ok := firstNonFinite(g, w); !ok {
		return nil, nil, badFile(path, fmt.Sprintf("tensor %q", name), "value %d is %v: the weights diverged; use an earlier checkpoint", i, v)
	}
	return ck, w, nil
}

// firstNonFinite finds the first NaN or infinite weight, in state-dict
// order; ok is true when there is none.
func firstNonFinite(g *Graph, w map[string][]float32) (name string, i int, v float32, ok bool) {
	for _, p := range g.Params {
		for i, v := range w[p.Name] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return p.Name, i, v, false
			}
		}
	}
	return "", 0, 0, true
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
