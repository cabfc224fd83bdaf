package usecase

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/training/worker"
)

// StartTraining runs labelloop-train on cfg (written to a run.json in the
// dataset's runs folder), or resumes cfg.Resume, and hands on its events;
// stop asks it to save its last weights and quit, cancelling ctx kills it
// at once. The worker is a separate process: a crash or an out-of-memory
// there ends in an error event and never takes the window down.
func StartTraining(ctx context.Context, cfg protocol.Config) (events <-chan protocol.Event, stop func(), err error) {
	exe, err := worker.Find()
	if err != nil {
		return nil, nil, err
	}
	args := []string{"train"}
	tmp := ""
	if cfg.Resume != "" {
		args = append(args, "--resume", cfg.Resume)
	} else {
		dir := cfg.Project
		if dir == "" {
			dir = os.TempDir()
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		f, err := os.CreateTemp(dir, "run-*.json")
		if err != nil {
			return nil, nil, err
		}
		tmp = filepath.Clean(f.Name())
		err = json.NewEncoder(f).Encode(cfg)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil { // a full disk: the worker would read half a config
			os.Remove(tmp)
			return nil, nil, fmt.Errorf("writing the run's settings to %s: %w", tmp, err)
		}
		args = append(args, "--config", tmp)
	}
	w, err := worker.Start(ctx, exe, args...)
	if err != nil {
		if tmp != "" {
			os.Remove(tmp)
		}
		return nil, nil, err
	}
	// the worker keeps its own copy (runs/train-N/config.json)
	out := make(chan protocol.Event, 64)
	go func() {
		defer close(out)
		for e := range w.Events {
			if tmp != "" {
				os.Remove(tmp)
				tmp = ""
			}
			out <- e
		}
	}()
	return out, w.Stop, nil
}
