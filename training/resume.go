package training

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/voc"
)

// resumeState is what a run needs beyond its weights to go on where it
// stopped; it is saved beside weights/last.safetensors.
type resumeState struct {
	Optimizer string  `json:"optimizer"`
	OptSteps  int64   `json:"optimizer_steps"`
	Step      int     `json:"step"`
	NextEpoch int     `json:"next_epoch"`
	Best      float64 `json:"best"`
}

func resumePath(dir string) string { return filepath.Join(dir, "weights", "last.resume.json") }

func slotPath(dir, slot string) string {
	return filepath.Join(dir, "weights", "last.optim-"+slot+".safetensors")
}

// saveSlots writes the optimizer's state (Optimizer.State).
func saveSlots(dir string, g *model.Graph, state map[string]map[string][]float32) error {
	for slot, vals := range state {
		full := make(map[string][]float32, len(g.Params))
		for _, p := range g.Params {
			if v, ok := vals[p.Name]; ok {
				full[p.Name] = v
			} else if p.Kind != model.BNCount {
				full[p.Name] = make([]float32, p.Size())
			}
		}
		if err := model.WriteSafetensors(slotPath(dir, slot), g, full, nil); err != nil {
			return err
		}
	}
	return nil
}

// saveCounters writes the loop's counters, the last file of a checkpoint.
func saveCounters(dir string, st resumeState) error {
	data, _ := json.MarshalIndent(st, "", "  ")
	return voc.WriteFileAtomic(resumePath(dir), append(data, '\n'), 0o644)
}

// loadResume reads a run folder's config, last weights and state.
func loadResume(dir string) (Config, map[string][]float32, resumeState, map[string]map[string][]float32, error) {
	var cfg Config
	var st resumeState
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return cfg, nil, st, nil, fmt.Errorf("resume %s: not a training run folder: %w", dir, err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cfg, nil, st, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	data, err = os.ReadFile(resumePath(dir))
	if err != nil {
		return cfg, nil, st, nil, fmt.Errorf("resume %s: no saved state (the run stopped before its first checkpoint): %w", dir, err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return cfg, nil, st, nil, fmt.Errorf("%s: %w", resumePath(dir), err)
	}
	_, w, err := model.LoadCheckpoint(filepath.Join(dir, "weights", "last.safetensors"))
	if err != nil {
		return cfg, nil, st, nil, err
	}
	slots := map[string]map[string][]float32{}
	for _, slot := range []string{"m", "v"} {
		t, err := model.ReadSafetensors(slotPath(dir, slot))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return cfg, nil, st, nil, err
		}
		slots[slot] = map[string][]float32{}
		for name, v := range t {
			slots[slot][name] = v.F32
		}
	}
	return cfg, w, st, slots, nil
}
