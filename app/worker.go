package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/training/worker"
)

// startWorker runs labelloop-train on cfg (written to a run.json in the
// dataset's runs folder) for the Train screen. The worker is a separate
// process: a crash or an out-of-memory there ends in an error event and
// never takes the window down.
func startWorker(cfg protocol.Config) (<-chan protocol.Event, func(), error) {
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
	w, err := worker.Start(context.Background(), exe, args...)
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
