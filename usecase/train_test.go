package usecase

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/training/protocol"
)

// fakeWorker is a labelloop-train that reports its arguments and the
// config file it was given (quotes dropped, so it fits a JSON string),
// then waits for "stop" on stdin.
func fakeWorker(t *testing.T) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "labelloop-train")
	script := `#!/bin/sh
if [ "$2" = "--config" ]; then
  echo "{\"event\":\"started\",\"message\":\"$1 $2 $(tr -d '\n"' < "$3")\"}"
else
  echo "{\"event\":\"started\",\"message\":\"$*\"}"
fi
read line
echo "{\"event\":\"done\",\"stopped\":true,\"message\":\"$line\"}"
`
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LABELLOOP_TRAIN", p)
}

// A new run's settings reach the worker in a file that is gone once the
// worker has started; stop asks it to stop.
func TestStartTrainingNewRun(t *testing.T) {
	fakeWorker(t)
	project := filepath.Join(t.TempDir(), "runs")
	events, stop, err := StartTraining(context.Background(), protocol.Config{Dataset: "/data/birds", Epochs: 7, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	first := <-events
	if first.Event != "started" || !strings.Contains(first.Message, "train --config") || !strings.Contains(first.Message, "dataset:/data/birds") {
		t.Fatalf("first event %+v", first)
	}
	if left, _ := filepath.Glob(filepath.Join(project, "run-*.json")); len(left) != 0 {
		t.Fatalf("the settings file is left: %v", left)
	}
	stop()
	last := <-events
	if last.Event != "done" || last.Message != "stop" {
		t.Fatalf("last event %+v", last)
	}
	if _, ok := <-events; ok {
		t.Fatal("events not closed after the worker ended")
	}
}

// A resume names the run folder and writes no settings file.
func TestStartTrainingResume(t *testing.T) {
	fakeWorker(t)
	events, stop, err := StartTraining(context.Background(), protocol.Config{Resume: "/data/birds/runs/train-3"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if e := <-events; e.Message != "train --resume /data/birds/runs/train-3" {
		t.Fatalf("%+v", e)
	}
}

// A runs folder that cannot be made is an error before anything starts.
func TestStartTrainingBadProject(t *testing.T) {
	fakeWorker(t)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	if _, _, err := StartTraining(context.Background(), protocol.Config{Dataset: "/d", Project: filepath.Join(file, "runs")}); err == nil {
		t.Fatal("started with a runs folder inside a file")
	}
}
