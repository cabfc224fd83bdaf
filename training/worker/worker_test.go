package worker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/training/protocol"
)

func script(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "fake-worker")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func drain(w *Worker) []protocol.Event {
	var out []protocol.Event
	for e := range w.Events {
		out = append(out, e)
	}
	return out
}

// A worker that replays events and waits for "stop" on stdin.
func TestWorkerEventsAndStop(t *testing.T) {
	exe := script(t, `echo '{"event":"started","device":"cpu","threads":2,"steps":10}'
echo 'a line that is not JSON'
echo '{"event":"batch","step":1,"loss":{"Box":0.1,"Obj":0.5,"Cls":0.05,"Total":0.65}}'
read line
echo "{\"event\":\"done\",\"stopped\":true,\"message\":\"$line\"}"
`)
	w, err := Start(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	first := <-w.Events
	if first.Event != "started" || first.Threads != 2 {
		t.Fatalf("%+v", first)
	}
	w.Stop()
	rest := drain(w)
	if len(rest) != 2 || rest[0].Loss.Total != 0.65 || !rest[1].Stopped || rest[1].Message != "stop" {
		t.Fatalf("%+v", rest)
	}
	if err := w.Wait(); err != nil {
		t.Fatal(err)
	}
}

// A crash (here: out of memory, exit 137) ends with an error event that
// carries what the worker said on stderr.
func TestWorkerCrash(t *testing.T) {
	exe := script(t, `echo '{"event":"started"}'
echo 'terminate called after throwing an instance of c10::Error: DefaultCPUAllocator: not enough memory' >&2
exit 137
`)
	w, err := Start(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	ev := drain(w)
	last := ev[len(ev)-1]
	if last.Event != "error" || !strings.Contains(last.Message, "not enough memory") || !strings.Contains(last.Message, "137") {
		t.Fatalf("%+v", last)
	}
}

// A worker whose libtorch is not installed: the loader's message comes
// with the fix.
func TestWorkerWithoutLibtorch(t *testing.T) {
	exe := script(t, `echo 'labelloop-train: error while loading shared libraries: libtorch_cpu.so.1.13: cannot open shared object file: No such file or directory' >&2
exit 127
`)
	w, err := Start(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	ev := drain(w)
	last := ev[len(ev)-1]
	if last.Event != "error" || !strings.Contains(last.Message, "needs libtorch 1.13") || !strings.Contains(last.Message, "libtorch_cpu.so.1.13") ||
		!strings.Contains(last.Message, InstallHint) {
		t.Fatalf("%+v", last)
	}
}

func TestFindWorkerMissing(t *testing.T) {
	t.Setenv("LABELLOOP_TRAIN", filepath.Join(t.TempDir(), "nope"))
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("err %v", err)
	}
}

// A line longer than any event (2 MB) is skipped and the events after it
// still arrive: the reader used to stop there, so "done" never came and
// the worker could block on a full pipe.
func TestWorkerSkipsOverlongLines(t *testing.T) {
	exe := script(t, `echo '{"event":"started"}'
head -c 2200000 /dev/zero | tr '\0' x; echo
echo '{"event":"batch","step":1,"steps":2}'
echo '{"event":"done","step":2}'
`)
	w, err := Start(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(w)
	if len(got) != 3 || got[1].Step != 1 || got[2].Event != "done" {
		t.Fatalf("%+v", got)
	}
	if err := w.Wait(); err != nil {
		t.Fatal(err)
	}
}
