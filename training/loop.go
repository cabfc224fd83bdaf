package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/voc"
)

// Event is one line of the worker's output (and of events.jsonl).
type Event = protocol.Event

// ErrNaN reports a diverged run.
var ErrNaN = errors.New("the loss became NaN or infinite")

// lrAt is cosine decay to 1% of lr after a linear warm-up of the first
// three epochs (or tenth of the run, if shorter), per step.
func lrAt(lr float64, step, total, warm int) float64 {
	if step < warm {
		return lr * (0.1 + 0.9*float64(step)/float64(warm))
	}
	p := float64(step-warm) / float64(max(1, total-warm))
	minLR := lr * 0.01
	return minLR + 0.5*(lr-minLR)*(1+math.Cos(math.Pi*p))
}

// Run trains until the epochs are done, ctx is cancelled (the last
// weights and the optimizer's state are saved first) or the loss diverges.
// With cfg.Resume set to a run folder it goes on from that run's last
// checkpoint, in the same folder. emit receives every event; they are also
// appended to the run's events.jsonl.
func Run(ctx context.Context, cfg Config, emit func(Event)) (string, error) {
	// libtorch keeps state such as grad mode per OS thread; a goroutine
	// that moved between threads mid-way left training with gradients
	// switched off. All of a run's libtorch calls stay on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var resumed *resumeState
	var resumeW map[string][]float32
	var resumeSlots map[string]map[string][]float32
	var resumeNote string
	dir := cfg.Resume
	if dir != "" {
		saved, w, st, slots, note, err := loadResume(dir)
		if err != nil {
			return "", err
		}
		// a resume may make the run longer, and find a dataset that moved
		if cfg.Epochs > saved.Epochs {
			saved.Epochs = cfg.Epochs
		}
		if cfg.Dataset != "" {
			saved.Dataset = cfg.Dataset
		} else if _, err := os.Stat(saved.Dataset); err != nil && !filepath.IsAbs(saved.Dataset) {
			return "", fmt.Errorf("resume %s: its dataset %q was given relative to the folder the run started in, and is not found from here: give --dataset", dir, saved.Dataset)
		}
		saved.Resume = ""
		cfg, resumed, resumeW, resumeSlots, resumeNote = saved, &st, w, slots, note
		if note != "" {
			fmt.Fprintf(os.Stderr, "labelloop-train: %s: %s\n", dir, note)
		}
	}
	// paths in config.json are absolute, so a resume works from anywhere
	for _, p := range []*string{&cfg.Dataset, &cfg.Project, &cfg.Init} {
		if *p != "" {
			if abs, err := filepath.Abs(*p); err == nil {
				*p = abs
			}
		}
	}
	cfg.Defaults()
	if err := cfg.Check(); err != nil {
		return "", err
	}
	ds, err := voc.Open(cfg.Dataset)
	if err != nil {
		return "", err
	}
	classes, err := voc.ReadClasses(ds.ClassesPath())
	if err != nil {
		return "", fmt.Errorf("%s: no class list (run 'labelloop split %s'): %w", ds.Root, ds.Root, err)
	}
	trainIDs, err := voc.ReadImageSet(ds, "train")
	if err != nil {
		return "", err
	}
	need := cfg.Batch // the frozen epochs' batch only matters when there are frozen epochs
	if cfg.FreezeEpochs > 0 {
		need = max(need, cfg.FreezeBatch)
	}
	train, err := LoadSplit(ds, trainIDs, classes, need)
	if err != nil {
		return "", err
	}
	var val []Sample
	if ids, err := voc.ReadImageSet(ds, "val"); err == nil && len(ids) > 0 {
		if val, err = LoadSplit(ds, ids, classes, 2); err != nil && len(ids) >= 2 {
			return "", err
		}
	}
	mcfg := model.Config{Backbone: cfg.Backbone, NumClasses: len(classes), InputSize: cfg.InputSize}
	g, err := model.Build(mcfg)
	if err != nil {
		return "", err
	}
	anchors, err := chooseAnchors(cfg, train)
	if err != nil {
		return "", err
	}
	weights := model.InitWeights(g, cfg.Seed)
	switch {
	case resumed != nil:
		weights = resumeW
	case strings.HasSuffix(strings.ToLower(cfg.Init), ".pth"):
		// PyTorch weights straight from the form: the whole network when it
		// fits, else its backbone (a detector for other classes, or a bare
		// torchvision backbone) with a fresh head
		imp, err := ImportPth(cfg.Init, g, cfg.Seed, "")
		if err != nil {
			var err2 error
			if imp, err2 = ImportPth(cfg.Init, g, cfg.Seed, "backbone."); err2 != nil {
				return "", err
			}
			fmt.Fprintf(os.Stderr, "labelloop-train: %s: took its backbone only (%v)\n", cfg.Init, err)
		}
		if c := imp.ConvertedNote(); c != "" {
			fmt.Fprintf(os.Stderr, "labelloop-train: %s: %s\n", cfg.Init, c)
		}
		weights = imp.Weights
	case cfg.Init != "":
		ck, w, err := model.LoadCheckpoint(cfg.Init)
		if err != nil {
			return "", err
		}
		if ck.Config() != mcfg {
			return "", fmt.Errorf("%s is a %s with %d classes at %d; this run is a %s with %d classes at %d",
				cfg.Init, ck.Backbone, len(ck.Classes), ck.InputSize, mcfg.Backbone, mcfg.NumClasses, mcfg.InputSize)
		}
		weights = w
	}
	ManualSeed(cfg.Seed)
	device := gotch.CudaIfAvailable()
	net, err := NewTrainable(g, weights, device)
	if err != nil {
		return "", err
	}
	defer net.Free()
	opt, err := NewOptimizer(net, cfg.Optimizer, baseLR(&cfg, cfg.Batch), *cfg.WeightDecay)
	if err != nil {
		return "", err
	}
	defer opt.Free()
	opt.ClipNorm = cfg.ClipNorm
	if resumed != nil {
		if resumed.Optimizer != cfg.Optimizer {
			return "", fmt.Errorf("resume %s: its state is for %s, the config says %s", dir, resumed.Optimizer, cfg.Optimizer)
		}
		if len(resumeSlots) > 0 { // none when resuming from best
			if err := opt.SetState(resumeSlots); err != nil {
				return "", fmt.Errorf("resume %s: %w", dir, err)
			}
			opt.Steps = resumed.OptSteps
		}
		// epochs run again are reported again: their first report goes
		if err := trimEvents(dir, resumed.NextEpoch); err != nil {
			return dir, err
		}
		// a longer run or a moved dataset holds for later resumes too
		cj, _ := json.MarshalIndent(cfg, "", "  ")
		if err := atomicfile.WriteFile(runs.Open(dir).ConfigPath(), append(cj, '\n'), 0o644); err != nil {
			return dir, err
		}
	} else {
		r, err := runs.NewTrain(cfg.Project)
		if err != nil {
			return "", err
		}
		dir = r.Dir
		cj, _ := json.MarshalIndent(cfg, "", "  ")
		if err := atomicfile.WriteFile(r.ConfigPath(), append(cj, '\n'), 0o644); err != nil {
			return dir, err
		}
	}
	run := runs.Open(dir)
	evf, err := os.OpenFile(run.EventsPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return dir, err
	}
	defer evf.Close()
	enc := json.NewEncoder(evf)
	var sendMu sync.Mutex // checkpoint events come from the saver's goroutine
	send := func(e Event) {
		sendMu.Lock()
		defer sendMu.Unlock()
		e.Time = time.Now().UTC().Format(time.RFC3339Nano)
		enc.Encode(e)
		emit(e)
	}
	sv := newSaver()
	defer sv.close()
	resultsPath := run.ResultsPath()
	results := "epoch,train_loss,box,obj,cls,val_loss,map50,lr\n"
	if resumed != nil {
		if b, err := os.ReadFile(resultsPath); err == nil {
			results = keepEpochs(string(b), resumed.NextEpoch-1)
		}
	}
	dev := "cpu"
	if device != gotch.CPU {
		dev = "cuda"
	}
	// Steps per epoch differ while the backbone is frozen (its batch is
	// larger); the schedule runs over all of them.
	nbFrozen, nb := len(train)/cfg.FreezeBatch, len(train)/cfg.Batch
	total := nbFrozen*cfg.FreezeEpochs + nb*(cfg.Epochs-cfg.FreezeEpochs)
	if cfg.MaxSteps > 0 {
		total = min(total, cfg.MaxSteps)
	}
	firstEpoch, step, best := 1, 0, -math.MaxFloat64
	if resumed != nil {
		firstEpoch, step, best = resumed.NextEpoch, resumed.Step, resumed.Best
	}
	send(Event{Event: "started", Run: dir, Device: dev, Threads: Threads(), Steps: total, Epoch: firstEpoch, Message: resumeNote})
	ck := &model.Checkpoint{Backbone: cfg.Backbone, Classes: classes, Anchors: anchors, InputSize: cfg.InputSize, Resize: cfg.Resize}
	// Checkpoints are copied out here and written by the saver. Each
	// weights file says in its metadata which epoch and step it holds; the
	// last one is written as one set with the optimizer state and the
	// counters (saveLastSet), so a resume never pairs parts of two saves.
	save := func(kind string, epoch int, metrics map[string]float64) error {
		c := *ck
		c.Epoch, c.Metrics = epoch, metrics
		w := net.Weights()
		p := run.Checkpoint(kind)
		meta := map[string]string{metaEpoch: strconv.Itoa(epoch), metaStep: strconv.Itoa(step), metaScore: strconv.FormatFloat(best, 'g', -1, 64)}
		return sv.do(func() error {
			if err := model.SaveCheckpointMeta(p, &c, w, meta); err != nil {
				return err
			}
			send(Event{Event: "checkpoint", Kind: kind, Path: p, Epoch: epoch})
			return nil
		})
	}
	saveLast := func(epoch, next int, metrics map[string]float64) error {
		c := *ck
		c.Epoch, c.Metrics = epoch, metrics
		w, slots := net.Weights(), opt.State()
		rs := resumeState{Optimizer: cfg.Optimizer, OptSteps: opt.Steps, Step: step, NextEpoch: next, Best: best}
		return sv.do(func() error {
			if err := saveLastSet(dir, &c, w, slots, rs); err != nil {
				return err
			}
			send(Event{Event: "checkpoint", Kind: "last", Path: run.Checkpoint(runs.Last), Epoch: epoch})
			return nil
		})
	}
	// a checkpoint that could not be written (a full disk) stops the run
	// at once, with its cause, not an epoch later
	saveError := func(err error) error {
		if err != nil {
			sv.flush() // saves already queued report first: the error is the run's last word
			err = fmt.Errorf("a checkpoint could not be saved, so the run stops (free space, then --resume): %w", err)
			send(Event{Event: "error", Message: err.Error()})
		}
		return err
	}
	saveFailed := func() error { return saveError(sv.failed()) }
	warm := max(1, min(3*nb, total/10))
	frozen := false
	for epoch := firstEpoch; epoch <= cfg.Epochs && step < total; epoch++ {
		batch := cfg.Batch
		if epoch <= cfg.FreezeEpochs {
			batch = cfg.FreezeBatch
		}
		if f := epoch <= cfg.FreezeEpochs; f != frozen || epoch == firstEpoch {
			opt.Freeze("backbone.", f)
			frozen = f
		}
		base := baseLR(&cfg, batch)
		loader := &Loader{Samples: train, Size: cfg.InputSize, Batch: batch, Seed: cfg.Seed, Workers: cfg.Workers, Aug: augmentFor(&cfg), Epochs: cfg.Epochs, Stretch: cfg.Resize == "plain"}
		var sum LossParts
		n := 0
		t0 := time.Now()
		var wait time.Duration
		batches := loader.Epoch(ctx, epoch)
		for {
			tw := time.Now()
			b, ok := <-batches
			wait += time.Since(tw)
			if !ok {
				break
			}
			if b.Err != nil {
				send(Event{Event: "error", Message: b.Err.Error()})
				return dir, b.Err
			}
			lr := lrAt(base, step, total, warm)
			opt.LR = lr
			x, err := tensorOf(b.X, []int64{int64(b.N), 3, int64(cfg.InputSize), int64(cfg.InputSize)})
			if err != nil {
				return dir, err
			}
			if device != gotch.CPU {
				x = x.MustTo(device, true)
			}
			ts0 := time.Now()
			p, err := Step(net, opt, x, b.Targets, anchors, cfg.Loss)
			x.MustDrop()
			if err != nil {
				return dir, err
			}
			step++
			if err := saveFailed(); err != nil {
				return dir, err
			}
			if math.IsNaN(p.Total) || math.IsInf(p.Total, 0) {
				msg := fmt.Sprintf("%v at epoch %d, step %d: lower the learning rate (now %.2g) or check the labels", ErrNaN, epoch, step, lr)
				send(Event{Event: "error", Message: msg})
				return dir, fmt.Errorf("%w: %s", ErrNaN, msg)
			}
			sum.Box, sum.Obj, sum.Cls, sum.Total = sum.Box+p.Box, sum.Obj+p.Obj, sum.Cls+p.Cls, sum.Total+p.Total
			n++
			pp := p
			send(Event{Event: "batch", Epoch: epoch, Step: step, Steps: total, Loss: &pp, LR: lr, ImgPerS: float64(b.N) / time.Since(ts0).Seconds()})
			if step >= total || ctx.Err() != nil {
				break
			}
		}
		if ctx.Err() != nil {
			// the epoch is cut short: a resume runs it again from its start
			if err := saveLast(epoch, epoch, nil); err != nil {
				return dir, saveError(err)
			}
			if err := sv.flush(); err != nil {
				return dir, saveError(err)
			}
			send(Event{Event: "done", Stopped: true, Step: step, Run: dir})
			return dir, nil
		}
		if n == 0 {
			break
		}
		elapsed := time.Since(t0)
		mean := LossParts{Box: sum.Box / float64(n), Obj: sum.Obj / float64(n), Cls: sum.Cls / float64(n), Total: sum.Total / float64(n)}
		ev := Event{Event: "epoch", Epoch: epoch, Step: step, Steps: total, Loss: &mean, ImgPerS: float64(n*batch) / elapsed.Seconds(),
			DataWait: wait.Seconds() / elapsed.Seconds(), Frozen: frozen, LR: lrAt(base, step, total, warm)}
		metrics := map[string]float64{"train_loss": mean.Total}
		if len(val) > 0 {
			vl, m := evaluate(ctx, net, val, cfg.InputSize, cfg.Batch, cfg.Resize == "plain", anchors, classes, epoch%cfg.EvalEvery == 0 || epoch == cfg.Epochs || step >= total)
			if ctx.Err() != nil { // stopped while validating: the epoch runs again on resume
				if err := saveLast(epoch, epoch, nil); err != nil {
					return dir, saveError(err)
				}
				if err := sv.flush(); err != nil {
					return dir, saveError(err)
				}
				send(Event{Event: "done", Stopped: true, Step: step, Run: dir})
				return dir, nil
			}
			ev.ValLoss, metrics["val_loss"] = vl, vl
			if m != nil {
				metrics["map50"], metrics["map50_95"] = m.MAP50, m.MAP5095
				send(Event{Event: "eval", Epoch: epoch, Metrics: map[string]float64{"map50": m.MAP50, "map50_95": m.MAP5095, "precision": m.Precision, "recall": m.Recall}})
			}
		}
		send(ev)
		results += fmt.Sprintf("%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%.3g\n", epoch, mean.Total, mean.Box, mean.Obj, mean.Cls, metrics["val_loss"], metrics["map50"], ev.LR)
		if err := atomicfile.WriteFile(resultsPath, []byte(results), 0o644); err != nil {
			return dir, err
		}
		score := -metrics["val_loss"]
		if v, ok := metrics["map50"]; ok {
			score = v
		} else if len(val) == 0 {
			score = -mean.Total
		}
		if score > best {
			best = score
			if err := save("best", epoch, metrics); err != nil {
				return dir, saveError(err)
			}
		}
		if err := saveLast(epoch, epoch+1, metrics); err != nil {
			return dir, saveError(err)
		}
	}
	if err := sv.flush(); err != nil {
		return dir, saveError(err)
	}
	send(Event{Event: "done", Step: step, Run: dir})
	return dir, nil
}

// keepEpochs keeps results.csv's header and the rows of epochs up to last.
func keepEpochs(csv string, last int) string {
	lines := strings.SplitAfter(csv, "\n")
	out := lines[0]
	for _, l := range lines[1:] {
		var e int
		if _, err := fmt.Sscanf(l, "%d,", &e); err == nil && e <= last {
			out += l
		}
	}
	return out
}

// chooseAnchors is the seed's anchors as they are (its train.py reads
// yolo_anchors.txt and uses it at every input size), those scaled to the
// input ("scaled"), or k-means on the training boxes ("auto").
func chooseAnchors(cfg Config, train []Sample) ([9][2]float64, error) {
	a := model.DefaultAnchors
	switch cfg.Anchors {
	case "default":
		return a, nil
	case "scaled":
		return model.AnchorsFor(cfg.InputSize), nil
	case "auto":
		var wh []WH
		for _, s := range train {
			info, err := voc.ReadImageInfo(s.Image)
			if err != nil {
				return a, err
			}
			for _, b := range s.Boxes {
				wh = append(wh, WH{b.W() / float64(info.Width), b.H() / float64(info.Height)})
			}
		}
		anchors, _, err := KMeansAnchors(wh, cfg.InputSize, cfg.Seed)
		return anchors, err
	}
	return a, fmt.Errorf("anchors %q: want default, scaled or auto", cfg.Anchors)
}

// Weights copies the network's state out (for checkpoints).
func (n *Net) Weights() map[string][]float32 {
	w := make(map[string][]float32, len(n.Params)+len(n.unused))
	for name, v := range n.unused {
		w[name] = v
	}
	for name, t := range n.Params {
		w[name] = floatsOf(t)
	}
	return w
}

// evaluate computes the validation loss and, when asked, mAP on val, with
// BatchNorm's running statistics and no gradients.
func evaluate(ctx context.Context, net *Net, val []Sample, size, batch int, stretch bool, anchors [9][2]float64, classes []string, withMAP bool) (float64, *detect.Metrics) {
	// in batches: one image at a time took 5× as long per image (a
	// fifth of a small run's time went to validation)
	l := &Loader{Samples: val, Size: size, Batch: batch, Workers: 2, Stretch: stretch, Partial: true}
	var lossSum float64
	var images []detect.EvalImage
	n := 0
	ts.NoGrad(func() {
		for b := range l.Epoch(ctx, 0) {
			if b.Err != nil {
				continue
			}
			x, err := tensorOf(b.X, []int64{int64(b.N), 3, int64(size), int64(size)})
			if err != nil {
				continue
			}
			if net.device != gotch.CPU {
				x = x.MustTo(net.device, true)
			}
			var s scope
			outs := net.Forward(x, false)
			for _, o := range outs {
				s.keep(o)
			}
			_, p := Loss(&s, outs, b.Targets, len(classes), size, anchors, LossOptions{})
			lossSum += p.Total * float64(b.N)
			n += b.N
			if withMAP {
				var heads []detect.Output
				for _, o := range outs {
					heads = append(heads, detect.Output{Shape: o.MustSize(), Data: floatsOf(o)})
				}
				for i := range b.N {
					dets := detect.NMS(detect.Decode(heads, i, len(classes), size, anchors, detect.MAPThresholds.Conf), detect.MAPThresholds.NMS, false)
					var truth []detect.GroundTruth
					for k, bx := range b.Targets.Boxes[i] {
						truth = append(truth, detect.GroundTruth{Class: b.Targets.Classes[i][k],
							Box: voc.Box{Xmin: bx[0] - bx[2]/2, Ymin: bx[1] - bx[3]/2, Xmax: bx[0] + bx[2]/2, Ymax: bx[1] + bx[3]/2}})
					}
					images = append(images, detect.EvalImage{Dets: dets, Truth: truth})
				}
			}
			s.free()
			x.MustDrop()
		}
	})
	if n == 0 {
		return 0, nil
	}
	if !withMAP {
		return lossSum / float64(n), nil
	}
	m := detect.Evaluate(images, classes, detect.DisplayThresholds.Conf)
	return lossSum / float64(n), &m
}
