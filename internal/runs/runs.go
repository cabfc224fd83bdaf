// Package runs owns the numbered output folders users know from
// Ultralytics (runs/train-1, runs/predict-2, ...): it makes them, lists
// them in numeric order (train-10 after train-9, which a text sort gets
// wrong) and knows where a training run keeps its files and what they say.
package runs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/labelloop/labelloop/training/protocol"
)

// Folder is where a dataset's runs go, inside the dataset folder.
const Folder = "runs"

// Kinds of run: the folder names' stems.
const (
	Train   = "train"
	Predict = "predict"
)

// Kinds of checkpoint a training run saves.
const (
	Best = "best"
	Last = "last"
)

// Of is a dataset's runs folder.
func Of(dataset string) string { return filepath.Join(dataset, Folder) }

// Next creates PROJECT/NAME-N with the first free N and returns it.
func Next(project, name string) (string, error) {
	if err := os.MkdirAll(project, 0o755); err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		dir := filepath.Join(project, fmt.Sprintf("%s-%d", name, n))
		if err := os.Mkdir(dir, 0o755); err == nil {
			return dir, nil
		} else if !os.IsExist(err) {
			return "", err
		}
	}
}

// NewTrain creates the next training run folder with its weights folder.
func NewTrain(project string) (Run, error) {
	dir, err := Next(project, Train)
	if err != nil {
		return Run{}, err
	}
	r := Open(dir)
	return r, os.Mkdir(r.WeightsDir(), 0o755)
}

// Run is one run folder.
type Run struct {
	Dir string
	N   int // the number after the dash; 0 when there is none
}

// Open is the run in dir (an existing folder, or one being made).
func Open(dir string) Run {
	r := Run{Dir: dir}
	if _, num, ok := strings.Cut(filepath.Base(dir), "-"); ok {
		r.N, _ = strconv.Atoi(num)
	}
	return r
}

// List is PROJECT's NAME-N folders, newest (highest N) first. Entries that
// are not folders or whose N is not a number are left out; a project that
// does not exist has no runs.
func List(project, name string) []Run {
	ents, _ := os.ReadDir(project)
	var out []Run
	for _, e := range ents {
		num, ok := strings.CutPrefix(e.Name(), name+"-")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || !e.IsDir() {
			continue
		}
		out = append(out, Run{Dir: filepath.Join(project, e.Name()), N: n})
	}
	slices.SortFunc(out, func(a, b Run) int { return cmp.Compare(b.N, a.N) })
	return out
}

// Name is the folder's name (train-3).
func (r Run) Name() string { return filepath.Base(r.Dir) }

// WeightsDir holds a training run's checkpoints and exported models.
func (r Run) WeightsDir() string { return filepath.Join(r.Dir, "weights") }

// Checkpoint is the path of the kind (Best, Last) checkpoint.
func (r Run) Checkpoint(kind string) string {
	return filepath.Join(r.WeightsDir(), kind+".safetensors")
}

// ONNX is where the kind checkpoint's export goes.
func (r Run) ONNX(kind string) string { return filepath.Join(r.WeightsDir(), kind+".onnx") }

// EventsPath is the run's history, one protocol event a line.
func (r Run) EventsPath() string { return filepath.Join(r.Dir, "events.jsonl") }

// ConfigPath is the run's settings as the trainer completed them.
func (r Run) ConfigPath() string { return filepath.Join(r.Dir, "config.json") }

// ResultsPath is the per-epoch table, as Ultralytics writes it.
func (r Run) ResultsPath() string { return filepath.Join(r.Dir, "results.csv") }

// Events reads the run's history.
func (r Run) Events() ([]protocol.Event, error) { return protocol.ReadEvents(r.EventsPath()) }

// Config reads config.json; a missing or unreadable one is the zero
// Config (a run killed before it wrote one).
func (r Run) Config() protocol.Config {
	var c protocol.Config
	if data, err := os.ReadFile(r.ConfigPath()); err == nil {
		_ = json.Unmarshal(data, &c) // a torn file reads as what parsed of it
	}
	return c
}

// Checkpoints lists the kind checkpoints that exist across runs, in
// runs' order.
func Checkpoints(list []Run, kind string) []string {
	return existing(list, func(r Run) string { return r.Checkpoint(kind) })
}

// Models lists the kind exported models that exist across runs, in runs'
// order.
func Models(list []Run, kind string) []string {
	return existing(list, func(r Run) string { return r.ONNX(kind) })
}

// existing is each run's file at path that exists, as a regular file.
func existing(list []Run, path func(Run) string) []string {
	var out []string
	for _, r := range list {
		if p := path(r); exists(p) {
			out = append(out, p)
		}
	}
	return out
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Summary is what a run's events and config say about it.
type Summary struct {
	Config    protocol.Config
	Epochs    int     // the last epoch done
	BestMAP   float64 // -1 before the first evaluation
	BestEpoch int
	Finished  bool   // ended with "done" and not stopped: all its epochs ran
	Failure   string // the last error's message
	// per-epoch curves: validation loss (epochs that had one) and mAP@0.5
	ValX, ValY []float64
	MapX, MapY []float64
}

// Failed reports a run that ended with an error before any epoch.
func (s Summary) Failed() bool { return s.Failure != "" && s.Epochs == 0 }

// Summary reads the run's events and config; the error is the events'.
func (r Run) Summary() (Summary, error) {
	s := Summary{BestMAP: -1, Config: r.Config()}
	ev, err := r.Events()
	if err != nil {
		return s, err
	}
	for _, e := range ev {
		switch e.Event {
		case protocol.EventError:
			s.Failure = e.Message
		case protocol.EventDone:
			s.Finished = !e.Stopped
		case protocol.EventEval:
			m := e.Metrics["map50"]
			s.MapX, s.MapY = append(s.MapX, float64(e.Epoch)), append(s.MapY, m)
			if m > s.BestMAP {
				s.BestMAP, s.BestEpoch = m, e.Epoch
			}
		case protocol.EventEpoch:
			s.Epochs = e.Epoch
			if e.ValLoss > 0 {
				s.ValX, s.ValY = append(s.ValX, float64(e.Epoch)), append(s.ValY, e.ValLoss)
			}
		}
	}
	return s, nil
}
