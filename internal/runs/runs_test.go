package runs

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func TestNextNumbers(t *testing.T) {
	p := t.TempDir()
	for i := 1; i <= 3; i++ {
		dir, err := Next(p, Predict)
		if err != nil || dir != filepath.Join(p, "predict-"+strconv.Itoa(i)) {
			t.Fatalf("%d: %s %v", i, dir, err)
		}
	}
}

// Runs list newest first by number (train-10 before train-9, which a text
// sort puts the other way), without stray files, other kinds, or folders
// whose suffix is not a number.
func TestListNumericOrder(t *testing.T) {
	p := t.TempDir()
	for _, d := range []string{"train-9", "train-10", "train-2", "train-x", "train-", "predict-11", "train-3.bak"} {
		os.Mkdir(filepath.Join(p, d), 0o755)
	}
	os.WriteFile(filepath.Join(p, "train-12"), nil, 0o644) // a file, not a run
	var got []string
	for _, r := range List(p, Train) {
		got = append(got, r.Name())
		if Open(r.Dir).N != r.N {
			t.Errorf("Open(%s).N = %d, List says %d", r.Dir, Open(r.Dir).N, r.N)
		}
	}
	if want := []string{"train-10", "train-9", "train-2"}; !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if l := List(filepath.Join(p, "missing"), Train); len(l) != 0 {
		t.Fatalf("a missing project lists %v", l)
	}
}

// A new training run has its weights folder; the checkpoints and models
// found across runs are the ones that exist, newest run first.
func TestCheckpointsAndModels(t *testing.T) {
	p := t.TempDir()
	var made []Run
	for i := 0; i < 3; i++ {
		r, err := NewTrain(p)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, r)
	}
	if made[2].Name() != "train-3" || made[2].N != 3 {
		t.Fatalf("third run %+v", made[2])
	}
	os.WriteFile(made[0].Checkpoint(Best), nil, 0o644)
	os.WriteFile(made[2].Checkpoint(Best), nil, 0o644)
	os.WriteFile(made[1].Checkpoint(Last), nil, 0o644)
	os.WriteFile(made[1].ONNX(Best), nil, 0o644)
	os.Mkdir(made[2].ONNX(Best), 0o755) // a folder by that name is no model
	list := List(p, Train)
	if got, want := Checkpoints(list, Best), []string{made[2].Checkpoint(Best), made[0].Checkpoint(Best)}; !slices.Equal(got, want) {
		t.Fatalf("best checkpoints %v, want %v", got, want)
	}
	if got := Checkpoints(list, Last); !slices.Equal(got, []string{filepath.Join(p, "train-2", "weights", "last.safetensors")}) {
		t.Fatalf("last checkpoints %v", got)
	}
	if got := Models(list, Best); !slices.Equal(got, []string{made[1].ONNX(Best)}) {
		t.Fatalf("models %v", got)
	}
}

// A run's summary: best mAP and its epoch, epochs done, curves, how it
// ended; a run with no events says so, one that failed at once is Failed.
func TestSummary(t *testing.T) {
	p := t.TempDir()
	r, _ := NewTrain(p)
	if _, err := r.Summary(); err == nil {
		t.Fatal("a run without events.jsonl read as a summary")
	}
	os.WriteFile(r.ConfigPath(), []byte(`{"backbone":"mobilenetv2","epochs":5}`), 0o644)
	os.WriteFile(r.EventsPath(), []byte(`{"event":"started"}
{"event":"epoch","epoch":1,"val_loss":2.5}
{"event":"eval","epoch":1,"metrics":{"map50":0.2}}
{"event":"epoch","epoch":2}
{"event":"eval","epoch":2,"metrics":{"map50":0.4}}
{"event":"epoch","epoch":3,"val_loss":1.5}
{"event":"eval","epoch":3,"metrics":{"map50":0.3}}
{"event":"done","stopped":true}
`), 0o644)
	s, err := r.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if s.BestMAP != 0.4 || s.BestEpoch != 2 || s.Epochs != 3 || s.Finished || s.Failed() || s.Config.Epochs != 5 ||
		!slices.Equal(s.ValX, []float64{1, 3}) || !slices.Equal(s.MapY, []float64{0.2, 0.4, 0.3}) {
		t.Fatalf("%+v", s)
	}
	bad, _ := NewTrain(p)
	os.WriteFile(bad.EventsPath(), []byte(`{"event":"started"}`+"\n"+`{"event":"error","message":"no libtorch"}`+"\n"), 0o644)
	if s, _ := bad.Summary(); !s.Failed() || s.Failure != "no libtorch" || s.BestMAP != -1 || s.Config.Backbone != "" {
		t.Fatalf("failed run %+v", s)
	}
}
