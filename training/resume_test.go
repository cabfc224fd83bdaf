package training

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// A run stopped during its third epoch (two epochs saved).
func stoppedRun(t *testing.T, root string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Dataset: root, InputSize: 64, Batch: 4, Epochs: 4, EvalEvery: 1, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	epochs := 0
	dir, err := Run(ctx, cfg, func(e Event) {
		if e.Event == "epoch" {
			if epochs++; epochs == 2 {
				cancel()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// The last checkpoint is one set. A save cut short before its commit (its
// state file written, the weights not yet replaced, temporary files left)
// resumes from the previous set whole; one cut short after the commit
// resumes from the new set. Temporary files and states of other sets are
// removed, and the resume says so. (Before, the optimizer's files were
// replaced one by one ahead of the weights: a kill between them resumed
// epoch-2 optimizer state on epoch-1 weights without a word.)
func TestLastSetIsAtomic(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "weights"), 0o755)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"dataset":"/d","optimizer":"adam"}`), 0o644)
	ck := &model.Checkpoint{Backbone: model.MobileNetV3, Classes: []string{"a"}, Anchors: model.DefaultAnchors, InputSize: 64, Resize: "letterbox", Epoch: 1}
	g, _ := model.Build(ck.Config())
	w1 := model.FixtureWeights(g)
	first := g.Params[0].Name
	slots := func(v float32) map[string]map[string][]float32 {
		return map[string]map[string][]float32{"m": {"conv1.weight": {v, v}}, "v": {"conv1.weight": {v, 2 * v}}}
	}
	if err := saveLastSet(dir, ck, w1, slots(1), resumeState{Optimizer: "adam", OptSteps: 10, Step: 10, NextEpoch: 2, Best: 0.5}); err != nil {
		t.Fatal(err)
	}
	// epoch 2's save, killed after its state and before its weights
	os.WriteFile(statePath(dir, "e2-s20-dead"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(dir, "weights", ".last.safetensors.tmp-123"), []byte("half of the weights"), 0o644)
	os.WriteFile(filepath.Join(dir, ".results.csv.tmp-9"), nil, 0o644)
	_, w, st, sl, note, err := loadResume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.NextEpoch != 2 || st.Step != 10 || st.OptSteps != 10 || st.Best != 0.5 || sl["m"]["conv1.weight"][0] != 1 || sl["v"]["conv1.weight"][1] != 2 {
		t.Fatalf("resumed %+v with slots %v", st, sl)
	}
	if w[first][3] != w1[first][3] || !strings.Contains(note, "removed 2 temporary files") {
		t.Fatalf("weights or note %q", note)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "weights", "*"))
	for _, p := range left {
		if strings.Contains(p, "dead") || strings.Contains(p, ".tmp-") {
			t.Fatalf("left behind: %s", p)
		}
	}
	// epoch 2's save, killed after its commit: the old state is still there
	old, _ := filepath.Glob(filepath.Join(dir, "weights", "last.state-*"))
	w2 := model.FixtureWeights(g)
	w2[first][3] = 42
	ck.Epoch = 2
	if err := saveLastSet(dir, ck, w2, slots(2), resumeState{Optimizer: "adam", OptSteps: 20, Step: 20, NextEpoch: 3, Best: 0.7}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(old[0], []byte("the previous set's state, not yet removed"), 0o644)
	_, w, st, sl, _, err = loadResume(dir)
	if err != nil || st.NextEpoch != 3 || w[first][3] != 42 || sl["m"]["conv1.weight"][0] != 2 {
		t.Fatalf("%v: resumed %+v, slots %v", err, st, sl)
	}
	if _, err := os.Stat(old[0]); !os.IsNotExist(err) {
		t.Fatalf("the previous set's state stayed: %v", err)
	}
	// weights naming a state that is gone: not resumed in silence
	states, _ := filepath.Glob(filepath.Join(dir, "weights", "last.state-*"))
	os.Remove(states[0])
	if _, _, _, _, _, err := loadResume(dir); err == nil || !strings.Contains(err.Error(), "whose state") {
		t.Fatalf("a set without its state: %v", err)
	}
}

// A run whose last checkpoint is missing (its first save of last failed,
// or was cut short) resumes from best, and says so, instead of "no saved
// state"; its epoch and step come from best's own metadata.
func TestResumeFromBest(t *testing.T) {
	dir := stoppedRun(t, splitDataset(t, 30))
	for _, p := range []string{"last.safetensors", "last.json"} {
		os.Remove(filepath.Join(dir, "weights", p))
	}
	meta, err := model.ReadSafetensorsMetadata(runs.Open(dir).Checkpoint(runs.Best))
	if err != nil {
		t.Fatal(err)
	}
	var started Event
	if _, err := Run(context.Background(), Config{Resume: dir}, func(e Event) {
		if e.Event == "started" {
			started = e
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := "resuming from best (epoch " + meta[metaEpoch] + "): last was never saved"
	if !strings.Contains(started.Message, want) || started.Epoch < 2 {
		t.Fatalf("started %+v, want %q", started, want)
	}
	// nothing at all: said plainly
	empty := filepath.Join(t.TempDir(), "r")
	os.MkdirAll(filepath.Join(empty, "weights"), 0o755)
	os.WriteFile(filepath.Join(empty, "config.json"), []byte(`{"dataset":"/d"}`), 0o644)
	if _, err := Run(context.Background(), Config{Resume: empty}, func(Event) {}); err == nil || !strings.Contains(err.Error(), "no saved state: the run stopped before its first checkpoint") {
		t.Fatalf("%v", err)
	}
}

// An epoch run again after a resume is reported once in events.jsonl: a
// kill after its "epoch" event and before its checkpoint left it there,
// and the resumed epoch added a second.
func TestResumeReportsEachEpochOnce(t *testing.T) {
	dir := stoppedRun(t, splitDataset(t, 30))
	// as if the worker had been killed after reporting epoch 3
	f, _ := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"event":"batch","epoch":3,"step":15}` + "\n" + `{"event":"epoch","epoch":3,"step":21}` + "\n")
	f.Close()
	if _, err := Run(context.Background(), Config{Resume: dir}, func(Event) {}); err != nil {
		t.Fatal(err)
	}
	evs, err := protocol.ReadEvents(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	perEpoch := map[int]int{}
	for _, e := range evs {
		if e.Event == "epoch" {
			perEpoch[e.Epoch]++
		}
	}
	for e := 1; e <= 4; e++ {
		if perEpoch[e] != 1 {
			t.Fatalf("epoch events per epoch: %v", perEpoch)
		}
	}
}

// config.json keeps the dataset's absolute path: a run started with a
// relative --dataset resumes from any folder.
func TestResumeFromAnotherFolder(t *testing.T) {
	root := splitDataset(t, 30)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(filepath.Dir(root))
	ctx, cancel := context.WithCancel(context.Background())
	dir, err := Run(ctx, Config{Dataset: filepath.Base(root), InputSize: 64, Batch: 4, Epochs: 2, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2},
		func(e Event) {
			if e.Event == "epoch" {
				cancel()
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(cfg), `"dataset": "`+root+`"`) {
		t.Fatalf("config.json: %s", cfg)
	}
	os.Chdir(t.TempDir())
	if _, err := Run(context.Background(), Config{Resume: dir, Epochs: 3}, func(Event) {}); err != nil {
		t.Fatal(err)
	}
	// the longer run is kept for the next resume
	if cfg, _ := os.ReadFile(filepath.Join(dir, "config.json")); !strings.Contains(string(cfg), `"epochs": 3`) {
		t.Fatalf("config.json after a longer resume: %s", cfg)
	}
}

// A checkpoint that cannot be written stops the run at once with its
// cause (it was reported only at the next save, a whole epoch later).
func TestFailedSaveStopsTheRun(t *testing.T) {
	root := splitDataset(t, 30)
	cfg := Config{Dataset: root, InputSize: 64, Batch: 4, Epochs: 3, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	after := -1 // batches after epoch 1's checkpoint was due
	var last Event
	_, err := Run(context.Background(), cfg, func(e Event) {
		switch {
		case e.Event == "started":
			// best.safetensors cannot be replaced: a full folder in its place
			os.MkdirAll(filepath.Join(e.Run, "weights", "best.safetensors", "x"), 0o755)
		case e.Event == "epoch" && e.Epoch == 1:
			after = 0
		case e.Event == "batch" && after >= 0:
			after++
		}
		last = e
	})
	if err == nil || !strings.Contains(err.Error(), "a checkpoint could not be saved") || !strings.Contains(err.Error(), "best.safetensors") {
		t.Fatalf("err %v", err)
	}
	if last.Event != "error" || after > 2 {
		t.Fatalf("%d more steps after the failed save; last event %+v", after, last)
	}
}
