// Package worker finds and starts the training worker (labelloop-train)
// and reads its events; the wire types are in package protocol.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/labelloop/labelloop/training/protocol"
)

// ExeName is the training worker's executable.
var ExeName = "labelloop-train" + map[bool]string{true: ".exe"}[runtime.GOOS == "windows"]

// ErrNotInstalled says the worker is not installed where the app looks.
var ErrNotInstalled = errors.New("the training worker (" + ExeName + ") is not installed")

// Find looks for the worker beside the running executable, then in
// $LABELLOOP_TRAIN, then on PATH.
func Find() (string, error) {
	if p := os.Getenv("LABELLOOP_TRAIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: LABELLOOP_TRAIN=%s: %v", ErrNotInstalled, p, err)
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		for _, p := range []string{filepath.Join(dir, ExeName), filepath.Join(dir, "..", "lib", "labelloop", ExeName)} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath(ExeName); err == nil {
		return p, nil
	}
	where := "put it beside the app or set LABELLOOP_TRAIN to it."
	if runtime.GOOS == "linux" {
		where = "install it beside the app (make build puts it in bin/; the labelloop-train package in /usr/lib/labelloop) or set LABELLOOP_TRAIN."
	}
	return "", fmt.Errorf("%w: %s %s", ErrNotInstalled, where, InstallHint)
}

// Worker is a running training worker: its events arrive on Events, which
// closes when it exits. A worker that dies without a "done" event (a crash,
// out of memory, a missing libtorch) ends with an "error" event carrying
// the last lines it wrote to stderr.
type Worker struct {
	Events <-chan protocol.Event
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
	events := make(chan protocol.Event, 64)
	w := &Worker{Events: events, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer close(events)
		sawEnd := false
		protocol.ReadLines(stdout, func(line []byte) {
			e, err := protocol.ParseEvent(line)
			if err != nil {
				return // not a protocol line
			}
			sawEnd = sawEnd || e.Event == protocol.EventDone || e.Event == protocol.EventError
			events <- e
		})
		// whatever stopped the reading, the pipe is drained so the worker
		// never blocks writing to it
		io.Copy(io.Discard, stdout)
		w.err = cmd.Wait()
		if !sawEnd {
			msg := "the training worker stopped unexpectedly"
			if w.err != nil {
				msg += " (" + w.err.Error() + ")"
			}
			if t := strings.TrimSpace(stderr.String()); t != "" {
				msg += ": " + t
			}
			if hint := libraryHint(stderr.String()); hint != "" {
				msg = hint + "\n\n" + msg
			}
			events <- protocol.Event{Event: protocol.EventError, Message: msg}
		}
	}()
	return w, nil
}

// libraryHint explains a worker that could not start because the dynamic
// loader did not find libtorch: the classic first-run problem.
func libraryHint(stderr string) string {
	if !strings.Contains(stderr, "error while loading shared libraries") && !strings.Contains(stderr, "Library not loaded") &&
		!strings.Contains(stderr, "was not found") {
		return ""
	}
	if !strings.Contains(stderr, "torch") && !strings.Contains(stderr, "c10") {
		return "The training worker is missing a library it needs (see below); reinstall " + ExeName + "."
	}
	return "The training worker needs libtorch 1.13, which is not installed. " + InstallHint
}

// InstallHint says how to install the worker's libtorch on this system.
var InstallHint = map[string]string{
	"linux":   "On Debian/Ubuntu: sudo apt install libtorch1.13 (or install the labelloop-train package, which pulls it in). See the README, \"Training on your machine\".",
	"darwin":  "See the README, \"Training on your machine\": the worker needs libtorch 1.13.1 for macOS in DYLD_LIBRARY_PATH.",
	"windows": "See the README, \"Training on your machine\": on Windows, train through WSL2 or on a Linux machine.",
}[runtime.GOOS]

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
