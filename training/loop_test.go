package training

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/voc"
)

func splitDataset(t *testing.T, n int) string {
	root := filepath.Join(t.TempDir(), "d")
	o := synth.Default(n)
	o.Width, o.Height, o.MinSize, o.MaxSize = 64, 64, 16, 40
	synth.Generate(root, o)
	ds, _ := voc.Open(root)
	plan, err := voc.PlanSplit(ds, voc.DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	plan.WriteImageSets(ds)
	return root
}

// A short run goes through every stage and leaves a run folder whose
// checkpoint exports.
func TestRunWritesRunFolder(t *testing.T) {
	root := splitDataset(t, 30)
	cfg := Config{Dataset: root, InputSize: 64, Batch: 4, Epochs: 2, EvalEvery: 1, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	var events []string
	dir, err := Run(context.Background(), cfg, func(e Event) { events = append(events, string(e.Event)) })
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(events, " ")
	for _, want := range []string{"started", "batch", "eval", "epoch", "checkpoint", "done"} {
		if !strings.Contains(got, want) {
			t.Fatalf("no %q event in %s", want, got)
		}
	}
	for _, f := range []string{"config.json", "events.jsonl", "results.csv", "weights/last.safetensors", "weights/last.json", "weights/best.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s missing", f)
		}
	}
	ck, w, err := model.LoadCheckpoint(filepath.Join(dir, "weights", "best.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := model.Build(ck.Config())
	if _, err := onnx.Marshal(g, w, onnx.Meta{Classes: ck.Classes, Anchors: ck.Anchors}); err != nil {
		t.Fatal(err)
	}
	// the seed's anchors, unscaled at 64 px as at any size
	if ck.Anchors != model.DefaultAnchors || len(ck.Classes) != 3 {
		t.Fatalf("checkpoint %+v", ck)
	}
}

// Cancelling saves the last weights and reports a clean stop.
func TestRunStopsCleanly(t *testing.T) {
	root := splitDataset(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Dataset: root, InputSize: 64, Batch: 4, Epochs: 5, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	var last Event
	batches := 0
	dir, err := Run(ctx, cfg, func(e Event) {
		if e.Event == "batch" {
			if batches++; batches == 2 {
				cancel()
			}
		}
		last = e
	})
	if err != nil || last.Event != "done" || !last.Stopped {
		t.Fatalf("err %v, last event %+v", err, last)
	}
	if _, err := os.Stat(filepath.Join(dir, "weights", "last.safetensors")); err != nil {
		t.Fatal("no last checkpoint after stopping")
	}
}

func TestRunNeedsASplit(t *testing.T) {
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(6))
	_, err := Run(context.Background(), Config{Dataset: root, Project: t.TempDir()}, func(Event) {})
	if err == nil || !strings.Contains(err.Error(), "run 'labelloop split") {
		t.Fatalf("err %v", err)
	}
}

// A stopped run resumes in its own folder from the epoch it was in, with
// the optimizer's state, and finishes the epochs.
func TestRunResumes(t *testing.T) {
	root := splitDataset(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Dataset: root, InputSize: 64, Batch: 4, Epochs: 3, EvalEvery: 1, Project: filepath.Join(t.TempDir(), "runs"), Workers: 2,
		FreezeEpochs: 1, FreezeBatch: 4}
	epochs := 0
	var first Event
	dir, err := Run(ctx, cfg, func(e Event) {
		if e.Event == "started" {
			first = e
		}
		if e.Event == "epoch" {
			if !e.Frozen && e.Epoch == 1 {
				t.Errorf("epoch 1 should be frozen")
			}
			if epochs++; epochs == 2 {
				cancel() // stops during epoch 3
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// from scratch, a frozen backbone is random features: said at the start
	if !strings.Contains(first.Message, "starts from random weights") {
		t.Errorf("a frozen random backbone went unmentioned: %q", first.Message)
	}
	var started Event
	var last Event
	dir2, err := Run(context.Background(), Config{Resume: dir}, func(e Event) {
		if e.Event == "started" {
			started = e
		}
		last = e
	})
	if err != nil || dir2 != dir {
		t.Fatalf("resume: %v (folder %s, want %s)", err, dir2, dir)
	}
	if started.Epoch != 3 || last.Event != "done" || last.Stopped {
		t.Fatalf("resumed at epoch %d, ended with %+v", started.Epoch, last)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
	if n := strings.Count(string(csv), "\n"); n != 4 {
		t.Fatalf("results.csv has %d lines, want a header and 3 epochs:\n%s", n, csv)
	}
	ev, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if strings.Count(string(ev), `"event":"started"`) != 2 {
		t.Fatal("events.jsonl should hold both sessions")
	}
	if _, err := Run(context.Background(), Config{Resume: t.TempDir()}, func(Event) {}); err == nil || !strings.Contains(err.Error(), "not a training run folder") {
		t.Fatalf("resume of an empty folder: %v", err)
	}
}

// PyTorch weights can be the starting point directly: a detector for other
// classes gives its backbone (the head starts fresh), as import-pth
// --backbone-only would.
func TestRunStartsFromPth(t *testing.T) {
	root := splitDataset(t, 12)
	cfg := Config{Dataset: root, Backbone: model.MobileNetV2, InputSize: 64, Batch: 4, Epochs: 1, MaxSteps: 1,
		Init: "testdata/head20.pth", Project: filepath.Join(t.TempDir(), "runs"), Workers: 2}
	var last Event
	if _, err := Run(context.Background(), cfg, func(e Event) { last = e }); err != nil {
		t.Fatal(err)
	}
	if last.Event != "done" {
		t.Fatalf("last event %+v", last)
	}
	cfg.Init = filepath.Join(t.TempDir(), "x.pth")
	os.WriteFile(cfg.Init, []byte("not a pickle"), 0o644)
	if _, err := Run(context.Background(), cfg, func(Event) {}); err == nil || !strings.Contains(err.Error(), "x.pth: not a file torch.save writes") {
		t.Fatalf("err %v", err)
	}
}
