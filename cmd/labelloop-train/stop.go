package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/labelloop/labelloop/training"
	"github.com/labelloop/labelloop/training/protocol"
)

// events writes protocol events, one JSON line each, from any goroutine.
type events struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (e *events) write(ev training.Event) {
	if ev.Time == "" {
		ev.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.enc.Encode(ev)
}

// stopper turns SIGINT, SIGTERM and a "stop" line on stdin into stop
// requests, each read on its own goroutine, so that nothing the run is
// blocked in (a libtorch call, a weights file that never finishes
// reading) delays the answer. Before the run's loop starts there is
// nothing to save: the process ends at once, saying so. Once it trains,
// the first request lets the run finish its step and save its last
// checkpoint; a second one ends the process at once (the last complete
// checkpoint stays as it was).
type stopper struct {
	ctx    context.Context
	cancel context.CancelFunc
	ev     *events
	exit   func(int) // os.Exit; tests replace it
	log    io.Writer // stderr

	mu       sync.Mutex
	training bool // the run has sent "started": its loop saves and stops
	requests int
}

func newStopper(ev *events, exit func(int), log io.Writer) *stopper {
	ctx, cancel := context.WithCancel(context.Background())
	return &stopper{ctx: ctx, cancel: cancel, ev: ev, exit: exit, log: log}
}

// watch starts the goroutines that listen for signals and for "stop" on
// stdin.
func (s *stopper) watch(stdin io.Reader) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range sigs {
			name := "SIGTERM"
			if sig == os.Interrupt {
				name = "SIGINT"
			}
			s.request(name)
		}
	}()
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "stop" {
				s.request(`"stop" on stdin`)
			}
		}
	}()
}

// seen follows the run's events: after "started" it trains.
func (s *stopper) seen(e training.Event) {
	if e.Event == protocol.EventStarted {
		s.mu.Lock()
		s.training = true
		s.mu.Unlock()
	}
}

// request handles one stop request (why names it).
func (s *stopper) request(why string) {
	s.mu.Lock()
	s.requests++
	n, inLoop := s.requests, s.training
	s.mu.Unlock()
	s.cancel()
	switch {
	case !inLoop:
		msg := fmt.Sprintf("stopped by %s while loading the dataset and weights: nothing was trained or saved", why)
		fmt.Fprintln(s.log, "labelloop-train:", msg)
		s.ev.write(training.Event{Event: protocol.EventDone, Stopped: true, Message: msg})
		s.exit(0)
	case n == 1:
		fmt.Fprintf(s.log, "labelloop-train: stopping (%s): finishing this step and saving the last checkpoint; stop again to quit at once\n", why)
	default:
		msg := fmt.Sprintf("stopped again by %s: quit without saving; the last complete checkpoint is kept and --resume continues from it", why)
		fmt.Fprintln(s.log, "labelloop-train:", msg)
		s.ev.write(training.Event{Event: protocol.EventError, Message: msg})
		s.exit(1)
	}
}
