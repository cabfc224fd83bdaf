package protocol

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// MaxEventLine is the longest line read as an event; a longer one (no
// event is near it) is skipped whole, never buffered.
const MaxEventLine = 1 << 20

// EventNames are the events the worker writes ("imported" by import-pth).
var EventNames = []Kind{EventStarted, EventBatch, EventEpoch, EventEval, EventCheckpoint, EventDone, EventError, EventImported, EventDownload, EventTransfer}

// ParseEvent reads one line of the worker's output or of events.jsonl. A
// line that is not JSON, names no known event, or carries a negative count
// or rate is an error: the app skips it rather than show it.
func ParseEvent(line []byte) (Event, error) {
	var e Event
	if len(line) > MaxEventLine {
		return e, fmt.Errorf("a line of %d bytes", len(line))
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, err
	}
	if !slices.Contains(EventNames, e.Event) {
		return Event{}, fmt.Errorf("unknown event %q", e.Event)
	}
	if e.Kind != "" && e.Kind != "best" && e.Kind != "last" {
		return Event{}, fmt.Errorf("%s: checkpoint kind %q", e.Event, e.Kind)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"threads", float64(e.Threads)}, {"epoch", float64(e.Epoch)}, {"step", float64(e.Step)}, {"steps", float64(e.Steps)},
		{"val_loss", e.ValLoss}, {"lr", e.LR}, {"bytes", float64(e.Bytes)}, {"total", float64(e.Total)}, {"images_per_s", e.ImgPerS}, {"data_wait", e.DataWait}} {
		if c.v < 0 {
			return Event{}, fmt.Errorf("%s: %s %v is negative", e.Event, c.name, c.v)
		}
	}
	if e.Step > e.Steps && e.Steps > 0 {
		return Event{}, fmt.Errorf("%s: step %d of %d", e.Event, e.Step, e.Steps)
	}
	return e, nil
}

// ReadLines calls fn with each line of r (without its newline). Lines over
// MaxEventLine are skipped whole: a reader that stopped at one would leave
// the worker blocked on a full pipe.
func ReadLines(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	skipping := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !skipping && len(long)+len(chunk) <= MaxEventLine {
				long = append(long, chunk...)
			} else {
				skipping, long = true, long[:0]
			}
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return err
		}
		line := chunk
		if len(long) > 0 || skipping {
			line = append(long, chunk...)
		}
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if !skipping && len(line) <= MaxEventLine && len(line) > 0 {
			fn(line)
		}
		long, skipping = long[:0], false
		if err != nil { // io.EOF, after the last line
			return nil
		}
	}
}

// ReadEvents reads an events.jsonl file (a run's history).
func ReadEvents(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Event
	// lines that are not events (a last line half written when the worker
	// was killed) are skipped
	err = ReadLines(f, func(line []byte) {
		if e, err := ParseEvent(line); err == nil {
			out = append(out, e)
		}
	})
	if err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
