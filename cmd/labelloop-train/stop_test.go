package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/syncbuf"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/training"
)

// The test binary is also the worker: with LABELLOOP_TEST_WORKER=1 it
// runs main, so tests start real worker processes without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("LABELLOOP_TEST_WORKER") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// worker is a running worker process and its events.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan training.Event
	stderr *syncbuf.Buffer
	done   chan error
}

func startWorker(t *testing.T, args ...string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LABELLOOP_TEST_WORKER=1", "OMP_WAIT_POLICY=passive")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	w := &worker{cmd: cmd, stdin: stdin, events: make(chan training.Event, 1000), stderr: &syncbuf.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e training.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				w.events <- e
			}
		}
		close(w.events)
		w.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return w
}

// waitEvent waits for an event of the kind.
func (w *worker) waitEvent(t *testing.T, kind string, within time.Duration) training.Event {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				t.Fatalf("the worker ended before %q: %s", kind, w.stderr)
			}
			if string(e.Event) == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %q event within %v", kind, within)
		}
	}
}

// exitWithin drains the events and waits for the process to end, failing
// the test after d; it returns the last event and the exit error.
func (w *worker) exitWithin(t *testing.T, d time.Duration) (training.Event, error) {
	t.Helper()
	var last training.Event
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-w.events:
			if ok {
				last = e
				continue
			}
			return last, <-w.done
		case <-deadline:
			t.Fatalf("the worker did not exit within %v of the stop; stderr:\n%s", d, w.stderr)
		}
	}
}

func tinyDataset(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "d")
	o := synth.Default(12)
	o.Width, o.Height, o.MinSize, o.MaxSize = 64, 64, 16, 40
	if err := synth.GenerateSplit(root, o); err != nil {
		t.Fatal(err)
	}
	return root
}

// blockedWeights is a .pth that is a FIFO no one writes: opening it
// blocks for ever, as reading a stalled network disk would. waitBlocked
// returns once one of the worker's threads has sat in that open.
func blockedWeights(t *testing.T) (string, func(pid int)) {
	p := filepath.Join(t.TempDir(), "stalled.pth")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	return p, func(pid int) {
		seen := 0
		for i := 0; i < 600; i++ {
			if inOpenat(pid) {
				if seen++; seen == 3 { // still there 200 ms later
					return
				}
			} else {
				seen = 0
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("the worker never blocked opening the weights")
	}
}

// inOpenat reports whether a thread of pid is in the openat system call
// (257 on amd64, 56 on arm64).
func inOpenat(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "syscall"))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		if n := strings.Fields(string(b)); len(n) > 0 && (n[0] == "257" && runtime.GOARCH == "amd64" || n[0] == "56" && runtime.GOARCH == "arm64") {
			return true
		}
	}
	return false
}

// A stop while the worker is blocked loading its weights (SIGTERM, or a
// "stop" line as the window's Stop button sends) ends it within 2 s with
// a message saying nothing was saved. Before, a worker blocked there
// ignored both until SIGKILL.
func TestStopWhileLoadingWeights(t *testing.T) {
	root := tinyDataset(t)
	for _, how := range []string{"SIGTERM", "stop"} {
		t.Run(how, func(t *testing.T) {
			pth, waitBlocked := blockedWeights(t)
			w := startWorker(t, "train", "--dataset", root, "--init", pth, "--input-size", "64", "--batch", "2", "--epochs", "1",
				"--backbone", "mobilenetv3", "--project", filepath.Join(t.TempDir(), "runs"))
			waitBlocked(w.cmd.Process.Pid)
			t0 := time.Now()
			if how == "SIGTERM" {
				w.cmd.Process.Signal(syscall.SIGTERM)
			} else {
				io.WriteString(w.stdin, "stop\n")
			}
			last, err := w.exitWithin(t, 2*time.Second)
			t.Logf("%s: exited %v after %v: %s", how, err, time.Since(t0).Round(time.Millisecond), last.Message)
			if err != nil || last.Event != "done" || !last.Stopped || !strings.Contains(last.Message, "while loading") ||
				!strings.Contains(w.stderr.String(), "nothing was trained or saved") {
				t.Fatalf("exit %v, last event %+v, stderr %s", err, last, w.stderr)
			}
		})
	}
}

// While training, the first stop finishes the step and saves the last
// checkpoint; a second one, while that step still runs (416 px steps take
// a second or more here), ends the worker at once, within 2 s.
func TestStopTwiceWhileTraining(t *testing.T) {
	root := tinyDataset(t)
	w := startWorker(t, "train", "--dataset", root, "--input-size", "416", "--batch", "4", "--epochs", "50",
		"--backbone", "mobilenetv2", "--project", filepath.Join(t.TempDir(), "runs"))
	w.waitEvent(t, "batch", 120*time.Second)
	w.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; !strings.Contains(w.stderr.String(), "stopping (SIGTERM)"); i++ {
		if i > 200 {
			t.Fatalf("the first SIGTERM was not acknowledged: %s", w.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	t0 := time.Now()
	last, err := w.exitWithin(t, 2*time.Second)
	t.Logf("exited %v after %v: %s", err, time.Since(t0).Round(time.Millisecond), last.Message)
	if err == nil || last.Event != "error" || !strings.Contains(last.Message, "stopped again by SIGTERM") {
		t.Fatalf("exit %v, last event %+v, stderr %s", err, last, w.stderr)
	}
}
