package training

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// resumeState is what a run needs beyond its weights to go on where it
// stopped.
type resumeState struct {
	Optimizer string  `json:"optimizer"`
	OptSteps  int64   `json:"optimizer_steps"`
	Step      int     `json:"step"`
	NextEpoch int     `json:"next_epoch"`
	Best      float64 `json:"best"`
}

// The last checkpoint is one set: weights, optimizer state and counters
// from the same moment. The state (optimizer moments, counters in its
// metadata) is written first under a name of its own, last.state-ID;
// then last.safetensors, whose metadata names ID, replaces the old
// weights: that rename commits the set. A crash before it leaves the old
// weights naming the old state, which is still there (older states are
// removed only after the commit); a crash after it leaves the new set
// whole. Only the sidecar (last.json, written after) may lag one save:
// it holds nothing a resume needs but the network, which never changes.
const (
	metaSet   = "labelloop.set"
	metaEpoch = "labelloop.epoch"
	metaStep  = "labelloop.step"
	metaScore = "labelloop.score"
)

func statePath(dir, id string) string {
	return filepath.Join(runs.Open(dir).WeightsDir(), "last.state-"+id+".safetensors")
}

// Before the set, a run kept its state in three files, written one by one.
func legacyResumePath(dir string) string {
	return filepath.Join(runs.Open(dir).WeightsDir(), "last.resume.json")
}

func legacySlotPath(dir, slot string) string {
	return filepath.Join(runs.Open(dir).WeightsDir(), "last.optim-"+slot+".safetensors")
}

// saveLastSet writes the last checkpoint as one set (see above).
func saveLastSet(dir string, ck *model.Checkpoint, w map[string][]float32, slots map[string]map[string][]float32, rs resumeState) error {
	id := fmt.Sprintf("e%d-s%d-%x", ck.Epoch, rs.Step, time.Now().UnixNano())
	var names []string
	var shapes [][]int
	var vals [][]float32
	for _, slot := range sortedKeys(slots) {
		for _, name := range sortedKeys(slots[slot]) {
			v := slots[slot][name]
			names, shapes, vals = append(names, slot+"/"+name), append(shapes, []int{len(v)}), append(vals, v)
		}
	}
	sp := statePath(dir, id)
	meta := map[string]string{metaSet: id, "optimizer": rs.Optimizer, "optimizer_steps": strconv.FormatInt(rs.OptSteps, 10),
		"step": strconv.Itoa(rs.Step), "next_epoch": strconv.Itoa(rs.NextEpoch), "best": strconv.FormatFloat(rs.Best, 'g', -1, 64)}
	if err := model.WriteTensors(sp, names, shapes, vals, meta); err != nil {
		return err
	}
	err := model.SaveCheckpointMeta(runs.Open(dir).Checkpoint(runs.Last), ck, w, map[string]string{metaSet: id,
		metaEpoch: strconv.Itoa(ck.Epoch), metaStep: strconv.Itoa(rs.Step), metaScore: strconv.FormatFloat(rs.Best, 'g', -1, 64)})
	if err != nil {
		if m, _ := model.ReadSafetensorsMetadata(runs.Open(dir).Checkpoint(runs.Last)); m[metaSet] != id {
			os.Remove(sp) // never committed
		}
		return err
	}
	removeStaleStates(dir, id)
	return nil
}

// removeStaleStates removes the state files of other sets than id (older
// ones, or one whose save was cut short before its commit), and the
// files of the format before sets.
func removeStaleStates(dir, id string) {
	old, _ := filepath.Glob(filepath.Join(runs.Open(dir).WeightsDir(), "last.state-*.safetensors"))
	for _, p := range old {
		if p != statePath(dir, id) {
			os.Remove(p)
		}
	}
	for _, p := range []string{legacyResumePath(dir), legacySlotPath(dir, "m"), legacySlotPath(dir, "v")} {
		os.Remove(p)
	}
}

// removeTemps removes what interrupted atomic writes left in a run folder
// (".NAME.tmp-*" beside the file they were to replace) and says how many.
func removeTemps(dir string) int {
	n := 0
	for _, d := range []string{dir, runs.Open(dir).WeightsDir()} {
		tmps, _ := filepath.Glob(filepath.Join(d, ".*.tmp-*"))
		for _, p := range tmps {
			if os.Remove(p) == nil {
				n++
			}
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// loadResume reads a run folder's config and its last set; when there is
// no usable last set, the best checkpoint with a fresh optimizer, and note
// says so. Temporary files of interrupted saves are removed first.
func loadResume(dir string) (cfg Config, w map[string][]float32, st resumeState, slots map[string]map[string][]float32, note string, err error) {
	cp := runs.Open(dir).ConfigPath()
	data, err := os.ReadFile(cp)
	if err != nil {
		return cfg, nil, st, nil, "", fmt.Errorf("resume %s: not a training run folder: %w", dir, err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cfg, nil, st, nil, "", fmt.Errorf("%s: %w", cp, err)
	}
	var notes []string
	if n := removeTemps(dir); n > 0 {
		notes = append(notes, fmt.Sprintf("removed %d temporary files of interrupted saves", n))
	}
	w, st, slots, errLast := loadLastSet(dir)
	if errLast == nil {
		return cfg, w, st, slots, strings.Join(notes, "; "), nil
	}
	w, st, errBest := loadBest(dir, cfg.Optimizer)
	if errBest != nil {
		if errors.Is(errLast, fs.ErrNotExist) && errors.Is(errBest, fs.ErrNotExist) {
			return cfg, nil, st, nil, "", fmt.Errorf("resume %s: no saved state: the run stopped before its first checkpoint (weights/ has neither last nor best)", dir)
		}
		return cfg, nil, st, nil, "", fmt.Errorf("resume %s: last cannot be used (%v), nor best (%v)", dir, errLast, errBest)
	}
	why := "last was never saved"
	if !errors.Is(errLast, fs.ErrNotExist) {
		why = fmt.Sprintf("last cannot be used: %v", errLast)
	}
	notes = append(notes, fmt.Sprintf("resuming from best (epoch %d): %s; the optimizer starts afresh", st.NextEpoch-1, why))
	return cfg, w, st, nil, strings.Join(notes, "; "), nil
}

// loadLastSet reads the last set (or a run's last files from before sets).
func loadLastSet(dir string) (map[string][]float32, resumeState, map[string]map[string][]float32, error) {
	var st resumeState
	lp := runs.Open(dir).Checkpoint(runs.Last)
	meta, err := model.ReadSafetensorsMetadata(lp)
	if err != nil {
		return nil, st, nil, err
	}
	id := meta[metaSet]
	if id == "" {
		return loadLegacyLast(dir)
	}
	sp := statePath(dir, id)
	ts, sm, err := model.ReadSafetensorsMeta(sp)
	if err != nil {
		// %v: a missing state is a broken set, not a missing checkpoint
		return nil, st, nil, fmt.Errorf("%s belongs to save %s, whose state %s cannot be read: %v", lp, id, sp, err)
	}
	if sm[metaSet] != id {
		return nil, st, nil, fmt.Errorf("%s is from save %q, not %s", sp, sm[metaSet], id)
	}
	st.Optimizer = sm["optimizer"]
	var errs []error
	parse := func(k string) int64 {
		v, err := strconv.ParseInt(sm[k], 10, 64)
		if err != nil || v < 0 {
			errs = append(errs, fmt.Errorf("%s: metadata %s %q", sp, k, sm[k]))
		}
		return v
	}
	st.OptSteps, st.Step, st.NextEpoch = parse("optimizer_steps"), int(parse("step")), int(parse("next_epoch"))
	if st.Best, err = strconv.ParseFloat(sm["best"], 64); err != nil {
		errs = append(errs, fmt.Errorf("%s: metadata best %q", sp, sm["best"]))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, st, nil, err
	}
	slots := map[string]map[string][]float32{}
	for name, t := range ts {
		slot, param, ok := strings.Cut(name, "/")
		if !ok || t.Dtype != "F32" {
			return nil, st, nil, fmt.Errorf("%s: tensor %q is not optimizer state", sp, name)
		}
		if slots[slot] == nil {
			slots[slot] = map[string][]float32{}
		}
		slots[slot][param] = t.F32
	}
	_, w, err := model.LoadCheckpoint(lp)
	if err != nil {
		return nil, st, nil, err
	}
	removeStaleStates(dir, id)
	return w, st, slots, nil
}

// loadLegacyLast reads last.safetensors, last.optim-{m,v} and
// last.resume.json as runs wrote them before sets.
func loadLegacyLast(dir string) (map[string][]float32, resumeState, map[string]map[string][]float32, error) {
	var st resumeState
	data, err := os.ReadFile(legacyResumePath(dir))
	if err != nil {
		return nil, st, nil, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, st, nil, fmt.Errorf("%s: %w", legacyResumePath(dir), err)
	}
	_, w, err := model.LoadCheckpoint(runs.Open(dir).Checkpoint(runs.Last))
	if err != nil {
		return nil, st, nil, err
	}
	slots := map[string]map[string][]float32{}
	for _, slot := range []string{"m", "v"} {
		t, err := model.ReadSafetensors(legacySlotPath(dir, slot))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, st, nil, err
		}
		slots[slot] = map[string][]float32{}
		for name, v := range t {
			slots[slot][name] = v.F32
		}
	}
	return w, st, slots, nil
}

// loadBest reads the best checkpoint as a place to resume from: its
// epoch, step and score come from the weights file's own metadata (or,
// from before it had them, its sidecar's epoch).
func loadBest(dir, optimizer string) (map[string][]float32, resumeState, error) {
	st := resumeState{Optimizer: optimizer, Best: -math.MaxFloat64}
	bp := runs.Open(dir).Checkpoint(runs.Best)
	ck, w, err := model.LoadCheckpoint(bp)
	if err != nil {
		return nil, st, err
	}
	meta, err := model.ReadSafetensorsMetadata(bp)
	if err != nil {
		return nil, st, err
	}
	epoch := ck.Epoch
	if e, err := strconv.Atoi(meta[metaEpoch]); err == nil {
		epoch = e
	}
	if s, err := strconv.Atoi(meta[metaStep]); err == nil && s >= 0 {
		st.Step = s
	}
	if b, err := strconv.ParseFloat(meta[metaScore], 64); err == nil {
		st.Best = b
	}
	st.NextEpoch = epoch + 1
	return w, st, nil
}

// trimEvents drops from events.jsonl the events of epochs a resume runs
// again (from next on), so no epoch is reported twice.
func trimEvents(dir string, next int) error {
	p := runs.Open(dir).EventsPath()
	evs, err := protocol.ReadEvents(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var b []byte
	for _, e := range evs {
		switch e.Event {
		case protocol.EventBatch, protocol.EventEpoch, protocol.EventEval, protocol.EventCheckpoint:
			if e.Epoch >= next {
				continue
			}
		}
		line, _ := json.Marshal(e)
		b = append(append(b, line...), '\n')
	}
	return atomicfile.WriteFile(p, b, 0o644)
}
