package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labelloop/labelloop/training"
	"github.com/labelloop/labelloop/training/protocol"
)

// The kill campaign (make soak): a tiny training run is killed with
// SIGKILL at random moments (loading, stepping, validating, saving), each
// time followed by --resume. Every resume must go on or say plainly why
// not; after each resume no temporary file of an interrupted save is left;
// at the end every epoch is reported once and the last set is whole.
// LABELLOOP_SOAK_KILLS sets the number of kills (50).
func TestSoakKillResume(t *testing.T) {
	if os.Getenv("LABELLOOP_SOAK") == "" {
		t.Skip("the kill campaign runs with make soak")
	}
	kills := 50
	if n, err := strconv.Atoi(os.Getenv("LABELLOOP_SOAK_KILLS")); err == nil && n > 0 {
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	root := tinyDataset(t)
	project := filepath.Join(t.TempDir(), "runs")
	args := func(dir string) []string {
		if dir == "" {
			return []string{"train", "--dataset", root, "--input-size", "64", "--batch", "2", "--epochs", "100000",
				"--backbone", "mobilenetv3", "--eval-every", "2", "--project", project}
		}
		return []string{"train", "--resume", dir}
	}
	var (
		dir                               string
		resumed, refused, fresh, fromBest int
		beforeStart, tempsLeft, maxTemps  int
		reasons                           = map[string]int{}
		epochAt                           []int
	)
	t0 := time.Now()
	for k := 0; k < kills; k++ {
		w := startWorker(t, args(dir)...)
		// up to 6 s: about 1.5 s of start-up and loading, then epochs of
		// about half a second, each ending with a save
		delay := time.Duration(rng.Int64N(int64(6 * time.Second)))
		started, errMsg := watchUntil(w, delay, func(e training.Event) {
			if dir == "" {
				dir = e.Run
				return
			}
			if n := countTemps(dir); n != 0 {
				t.Fatalf("kill %d: the resume left %d temporary files", k, n)
			}
			resumed++
			epochAt = append(epochAt, e.Epoch)
			if strings.Contains(e.Message, "resuming from best") {
				fromBest++
			}
		})
		w.cmd.Process.Signal(syscall.SIGKILL)
		<-w.done
		switch {
		case errMsg != "" && !started:
			// the resume refused: it must say why, and a fresh run starts
			refused++
			reasons[reasonOf(errMsg)]++
			if !strings.Contains(errMsg, "no saved state") {
				t.Fatalf("kill %d: resume of %s refused: %s", k, dir, errMsg)
			}
			dir = ""
			fresh++
		case !started:
			beforeStart++
			if dir == "" {
				// killed before the run even had a folder: start again
				continue
			}
		}
		if dir == "" {
			continue
		}
		n := countTemps(dir)
		tempsLeft += n
		maxTemps = max(maxTemps, n)
	}
	// one last resume, stopped cleanly after two epochs
	if dir == "" {
		t.Fatal("no run folder after the campaign")
	}
	w := startWorker(t, args(dir)...)
	st := w.waitEvent(t, "started", 60*time.Second)
	if n := countTemps(dir); n != 0 {
		t.Fatalf("%d temporary files left after a resume", n)
	}
	w.waitEvent(t, "epoch", 60*time.Second)
	w.waitEvent(t, "epoch", 60*time.Second)
	io.WriteString(w.stdin, "stop\n")
	if last, err := w.exitWithin(t, 60*time.Second); err != nil || last.Event != "done" || !last.Stopped {
		t.Fatalf("final stop: %v %+v", err, last)
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
	dup := 0
	for _, n := range perEpoch {
		if n > 1 {
			dup++
		}
	}
	states, _ := filepath.Glob(filepath.Join(dir, "weights", "last.state-*"))
	t.Logf("seed %d: %d SIGKILLs in %v; %d resumes went on (%d from best), %d refused (%v) and started afresh; "+
		"%d kills before the worker started; temporary files found after kills: %d in all, at most %d at once, 0 after each resume; "+
		"final run: resumed at epoch %d, %d epochs reported, %d reported twice, %d last state files",
		seed, kills, time.Since(t0).Round(time.Second), resumed, fromBest, refused, reasons, beforeStart, tempsLeft, maxTemps,
		st.Epoch, len(perEpoch), dup, len(states))
	sort.Ints(epochAt)
	t.Logf("epochs resumed at: %v", epochAt)
	if dup != 0 || len(states) != 1 || countTemps(dir) != 0 {
		t.Fatalf("%d epochs reported twice, %d state files, %d temporary files", dup, len(states), countTemps(dir))
	}
}

// countTemps counts interrupted writes' temporary files in a run folder.
func countTemps(dir string) int {
	n := 0
	for _, d := range []string{dir, filepath.Join(dir, "weights")} {
		m, _ := filepath.Glob(filepath.Join(d, ".*.tmp-*"))
		n += len(m)
	}
	return n
}

// reasonOf shortens a refusal to its reason, for counting.
func reasonOf(msg string) string {
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return fmt.Sprint(msg)
}

// watchUntil reads the worker's events for delay or until it exits,
// calling started for its "started" event; it tells whether the run
// started and the message of its last "error" event.
func watchUntil(w *worker, delay time.Duration, onStart func(training.Event)) (started bool, errMsg string) {
	timer := time.After(delay)
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				return started, errMsg
			}
			switch e.Event {
			case "started":
				started = true
				onStart(e)
			case "error":
				errMsg = e.Message
			}
		case <-timer:
			return started, errMsg
		}
	}
}
