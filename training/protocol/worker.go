package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// WorkerName is the training worker's executable.
const WorkerName = "labelloop-train"

// ErrNoWorker says the worker is not installed where the app looks.
var ErrNoWorker = errors.New("the training worker (" + WorkerName + ") is not installed")

// FindWorker looks for the worker beside the running executable, then in
// $LABELLOOP_TRAIN, then on PATH.
func FindWorker() (string, error) {
	if p := os.Getenv("LABELLOOP_TRAIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: LABELLOOP_TRAIN=%s: %v", ErrNoWorker, p, err)
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), WorkerName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(WorkerName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: install it beside the app (make build puts it in bin/) or set LABELLOOP_TRAIN; it needs libtorch (Debian: apt install libtorch1.13)", ErrNoWorker)
}

// Worker is a running training worker: its events arrive on Events, which
// closes when it exits. A worker that dies without a "done" event (a crash,
// out of memory, a missing libtorch) ends with an "error" event carrying
// the last lines it wrote to stderr.
type Worker struct {
	Events <-chan Event
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	once   sync.Once
	done   chan struct{}
	err    error
}

// Start runs `exe args...` and reads its JSON lines.
func Start(ctx context.Context, exe string, args ...string) (*Worker, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr tail
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	events := make(chan Event, 64)
	w := &Worker{Events: events, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer close(events)
		sawEnd := false
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Event == "" {
				continue // not a protocol line
			}
			sawEnd = sawEnd || e.Event == "done" || e.Event == "error"
			events <- e
		}
		w.err = cmd.Wait()
		if !sawEnd {
			msg := "the training worker stopped unexpectedly"
			if w.err != nil {
				msg += " (" + w.err.Error() + ")"
			}
			if t := strings.TrimSpace(stderr.String()); t != "" {
				msg += ": " + t
			}
			events <- Event{Event: "error", Message: msg}
		}
	}()
	return w, nil
}

// Stop asks the worker to save its last weights and quit.
func (w *Worker) Stop() {
	w.once.Do(func() {
		io.WriteString(w.stdin, "stop\n")
		w.stdin.Close()
	})
}

// Kill ends the worker at once (nothing is saved).
func (w *Worker) Kill() { w.cmd.Process.Kill() }

// Wait waits for the worker to exit and returns its exit error.
func (w *Worker) Wait() error {
	<-w.done
	return w.err
}

// tail keeps the last 2 kB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2048 {
		t.buf = t.buf[len(t.buf)-2048:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// ReadEvents reads an events.jsonl file (a run's history).
func ReadEvents(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event != "" {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}
