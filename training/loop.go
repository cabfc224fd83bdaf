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
// appended to the run's events.jsonl. Notes for the person (a resume from
// best, .pth weights taken in part) travel in the "started" event's
// message. It returns the run folder once there is one.
func Run(ctx context.Context, cfg Config, emit func(Event)) (string, error) {
	// libtorch keeps state such as grad mode per OS thread; a goroutine
	// that moved between threads mid-way left training with gradients
	// switched off. All of a run's libtorch calls stay on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t := &trainer{ctx: ctx, cfg: cfg, emit: emit}
	defer t.free()
	for _, step := range []func() error{t.prepare, t.initialWeights, t.build, t.openRun} {
		if err := step(); err != nil {
			return t.dir, err
		}
	}
	t.start()
	for epoch := t.firstEpoch; epoch <= t.cfg.Epochs && t.step < t.total; epoch++ {
		end, err := t.epoch(epoch)
		if err != nil || end == runOver {
			return t.dir, err
		}
		if end == noBatches {
			break
		}
	}
	if err := t.sv.flush(); err != nil {
		return t.dir, t.saveError(err)
	}
	t.send(Event{Event: protocol.EventDone, Step: t.step, Run: t.dir})
	return t.dir, nil
}

// trainer is one run of Run, its steps in order: prepare (resume state,
// config, dataset, anchors), initialWeights, build (network and
// optimizer), openRun (folder, config.json, events.jsonl, results.csv),
// start, then per epoch epoch → endOfEpoch → checkpoint.
type trainer struct {
	ctx  context.Context
	cfg  Config
	emit func(Event)

	// resuming: the run folder, and what its last set holds
	resumeDir   string
	resumed     *resumeState
	resumeW     map[string][]float32
	resumeSlots map[string]map[string][]float32
	notes       []string // for the person, in the "started" event

	classes     []string
	train, val  []Sample
	mcfg        model.Config
	g           *model.Graph
	anchors     [9][2]float64
	weights     map[string][]float32 // the weights the network starts from
	transferred *Event               // what a start took from cfg.Init

	device gotch.Device
	net    *Net
	opt    *Optimizer

	dir     string // the run folder, once it is one
	run     runs.Run
	evf     *os.File
	enc     *json.Encoder
	sendMu  sync.Mutex // checkpoint events come from the saver's goroutine
	sv      *saver
	results string // results.csv so far
	ck      *model.Checkpoint

	total, warm, firstEpoch, step int
	best                          float64
	frozen                        bool
}

// free releases what the steps made, in reverse.
func (t *trainer) free() {
	if t.sv != nil {
		t.sv.close()
	}
	if t.evf != nil {
		t.evf.Close()
	}
	if t.opt != nil {
		t.opt.Free()
	}
	if t.net != nil {
		t.net.Free()
	}
}

// prepare reads a resumed run's state, completes and checks the config,
// and loads the dataset's splits, the network's graph and the anchors.
func (t *trainer) prepare() error {
	if dir := t.cfg.Resume; dir != "" {
		saved, w, st, slots, note, err := loadResume(dir)
		if err != nil {
			return err
		}
		// a resume may make the run longer, and find a dataset that moved
		if t.cfg.Epochs > saved.Epochs {
			saved.Epochs = t.cfg.Epochs
		}
		if t.cfg.Dataset != "" {
			saved.Dataset = t.cfg.Dataset
		} else if _, err := os.Stat(saved.Dataset); err != nil && !filepath.IsAbs(saved.Dataset) {
			return fmt.Errorf("resume %s: its dataset %q was given relative to the folder the run started in, and is not found from here: give --dataset", dir, saved.Dataset)
		}
		saved.Resume = ""
		t.cfg, t.resumeDir, t.resumed, t.resumeW, t.resumeSlots = saved, dir, &st, w, slots
		if note != "" {
			t.notes = append(t.notes, note)
		}
	}
	if err := resolveInit(t.ctx, &t.cfg, t.emit); err != nil {
		return err
	}
	cfg := &t.cfg
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
		return err
	}
	ds, err := voc.Open(cfg.Dataset)
	if err != nil {
		return err
	}
	if t.classes, err = voc.ReadClasses(ds.ClassesPath()); err != nil {
		return fmt.Errorf("%s: no class list (run 'labelloop split %s'): %w", ds.Root, ds.Root, err)
	}
	trainIDs, err := voc.ReadImageSet(ds, "train")
	if err != nil {
		return err
	}
	need := cfg.Batch // the frozen epochs' batch only matters when there are frozen epochs
	if cfg.FreezeEpochs > 0 {
		need = max(need, cfg.FreezeBatch)
	}
	if t.train, err = LoadSplit(ds, trainIDs, t.classes, need); err != nil {
		return err
	}
	if ids, err := voc.ReadImageSet(ds, "val"); err == nil && len(ids) > 0 {
		if t.val, err = LoadSplit(ds, ids, t.classes, 2); err != nil && len(ids) >= 2 {
			return err
		}
	}
	t.mcfg = model.Config{Backbone: cfg.Backbone, NumClasses: len(t.classes), InputSize: cfg.InputSize}
	if t.g, err = model.Build(t.mcfg); err != nil {
		return err
	}
	t.anchors, err = chooseAnchors(*cfg, t.train)
	return err
}

// initialWeights picks the weights the network starts from: a resumed
// run's, or those of startWeights (fresh by the seed, or every tensor of
// cfg.Init whose name and shape fit, said in a "transfer" event).
func (t *trainer) initialWeights() error {
	if t.resumed != nil {
		t.weights = t.resumeW
		return nil
	}
	w, transferred, pretrained, err := startWeights(t.cfg, t.g)
	if err != nil {
		return err
	}
	t.weights, t.transferred = w, transferred
	if !pretrained && t.cfg.FreezeEpochs > 0 {
		t.notes = append(t.notes, fmt.Sprintf("warning: the backbone starts from random weights (no backbone tensor came from a file), "+
			"yet it is frozen for the first %d epochs, which then train the neck and heads on random features: set Freeze epochs to 0", t.cfg.FreezeEpochs))
	}
	return nil
}

// build makes the network and its optimizer, with a resumed run's
// optimizer state.
func (t *trainer) build() error {
	cfg := &t.cfg
	ManualSeed(cfg.Seed)
	t.device = gotch.CudaIfAvailable()
	var err error
	if t.net, err = NewTrainable(t.g, t.weights, t.device); err != nil {
		return err
	}
	if t.opt, err = NewOptimizer(t.net, cfg.Optimizer, baseLR(cfg, cfg.Batch), *cfg.WeightDecay); err != nil {
		return err
	}
	t.opt.ClipNorm = cfg.ClipNorm
	if t.resumed == nil {
		return nil
	}
	if t.resumed.Optimizer != cfg.Optimizer {
		return fmt.Errorf("resume %s: its state is for %s, the config says %s", t.resumeDir, t.resumed.Optimizer, cfg.Optimizer)
	}
	if len(t.resumeSlots) > 0 { // none when resuming from best
		if err := t.opt.SetState(t.resumeSlots); err != nil {
			return fmt.Errorf("resume %s: %w", t.resumeDir, err)
		}
		t.opt.Steps = t.resumed.OptSteps
	}
	return nil
}

// openRun makes the run folder (or takes the resumed one, its history cut
// back to where it goes on), writes config.json and opens events.jsonl
// and results.csv.
func (t *trainer) openRun() error {
	cfg := &t.cfg
	if t.resumed != nil {
		t.dir = t.resumeDir
		// epochs run again are reported again: their first report goes
		if err := trimEvents(t.dir, t.resumed.NextEpoch); err != nil {
			return err
		}
	} else {
		r, err := runs.NewTrain(cfg.Project)
		if err != nil {
			return err
		}
		t.dir = r.Dir
	}
	t.run = runs.Open(t.dir)
	// a longer run or a moved dataset holds for later resumes too
	cj, _ := json.MarshalIndent(cfg, "", "  ")
	if err := atomicfile.WriteFile(t.run.ConfigPath(), append(cj, '\n'), 0o644); err != nil {
		return err
	}
	var err error
	if t.evf, err = os.OpenFile(t.run.EventsPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return err
	}
	t.enc = json.NewEncoder(t.evf)
	t.sv = newSaver()
	t.results = "epoch,train_loss,box,obj,cls,val_loss,map50,lr\n"
	if t.resumed != nil {
		if b, err := os.ReadFile(t.run.ResultsPath()); err == nil {
			t.results = keepEpochs(string(b), t.resumed.NextEpoch-1)
		}
	}
	return nil
}

// send stamps an event, appends it to events.jsonl and hands it on.
func (t *trainer) send(e Event) {
	t.sendMu.Lock()
	defer t.sendMu.Unlock()
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	t.enc.Encode(e)
	t.emit(e)
}

// start plans the steps (from a resumed run's counters) and says so.
func (t *trainer) start() {
	cfg := &t.cfg
	dev := "cpu"
	if t.device != gotch.CPU {
		dev = "cuda"
	}
	// Steps per epoch differ while the backbone is frozen (its batch is
	// larger); the schedule runs over all of them.
	nbFrozen, nb := len(t.train)/cfg.FreezeBatch, len(t.train)/cfg.Batch
	t.total = nbFrozen*cfg.FreezeEpochs + nb*(cfg.Epochs-cfg.FreezeEpochs)
	if cfg.MaxSteps > 0 {
		t.total = min(t.total, cfg.MaxSteps)
	}
	t.warm = max(1, min(3*nb, t.total/10))
	t.firstEpoch, t.step, t.best = 1, 0, -math.MaxFloat64
	if t.resumed != nil {
		t.firstEpoch, t.step, t.best = t.resumed.NextEpoch, t.resumed.Step, t.resumed.Best
	}
	t.send(Event{Event: protocol.EventStarted, Run: t.dir, Device: dev, Threads: Threads(), Steps: t.total, Epoch: t.firstEpoch, Message: strings.Join(t.notes, "\n")})
	if t.transferred != nil {
		t.send(*t.transferred)
	}
	t.ck = &model.Checkpoint{Backbone: cfg.Backbone, Classes: t.classes, Anchors: t.anchors, InputSize: cfg.InputSize, Resize: cfg.Resize}
}

// epochEnd is how an epoch ended.
type epochEnd int

const (
	epochDone epochEnd = iota
	noBatches          // the loader gave none: the run ends as finished
	runOver            // the run ends here: stopped (saved, "done" sent) or failed
)

// epoch trains one epoch, then ends it (endOfEpoch).
func (t *trainer) epoch(epoch int) (epochEnd, error) {
	cfg := &t.cfg
	batch := cfg.Batch
	if epoch <= cfg.FreezeEpochs {
		batch = cfg.FreezeBatch
	}
	if f := epoch <= cfg.FreezeEpochs; f != t.frozen || epoch == t.firstEpoch {
		t.opt.Freeze("backbone.", f)
		t.frozen = f
	}
	base := baseLR(cfg, batch)
	loader := &Loader{Samples: t.train, Size: cfg.InputSize, Batch: batch, Seed: cfg.Seed, Workers: cfg.Workers, Aug: augmentFor(cfg), Epochs: cfg.Epochs, Stretch: cfg.Resize == "plain"}
	var sum LossParts
	n := 0
	t0 := time.Now()
	var wait time.Duration
	batches := loader.Epoch(t.ctx, epoch)
	for {
		tw := time.Now()
		b, ok := <-batches
		wait += time.Since(tw)
		if !ok {
			break
		}
		p, err := t.trainStep(b, epoch, base)
		if err != nil {
			return runOver, err
		}
		sum.Box, sum.Obj, sum.Cls, sum.Total = sum.Box+p.Box, sum.Obj+p.Obj, sum.Cls+p.Cls, sum.Total+p.Total
		n++
		if t.step >= t.total || t.ctx.Err() != nil {
			break
		}
	}
	if t.ctx.Err() != nil {
		// the epoch is cut short: a resume runs it again from its start
		return runOver, t.stopped(epoch)
	}
	if n == 0 {
		return noBatches, nil
	}
	elapsed := time.Since(t0)
	mean := LossParts{Box: sum.Box / float64(n), Obj: sum.Obj / float64(n), Cls: sum.Cls / float64(n), Total: sum.Total / float64(n)}
	ev := Event{Event: protocol.EventEpoch, Epoch: epoch, Step: t.step, Steps: t.total, Loss: &mean, ImgPerS: float64(n*batch) / elapsed.Seconds(),
		DataWait: wait.Seconds() / elapsed.Seconds(), Frozen: t.frozen, LR: lrAt(base, t.step, t.total, t.warm)}
	return t.endOfEpoch(epoch, ev, mean)
}

// trainStep runs one batch: forward, backward, optimizer step, at the
// schedule's learning rate.
func (t *trainer) trainStep(b Batch, epoch int, base float64) (LossParts, error) {
	cfg := &t.cfg
	if b.Err != nil {
		t.send(Event{Event: protocol.EventError, Message: b.Err.Error()})
		return LossParts{}, b.Err
	}
	lr := lrAt(base, t.step, t.total, t.warm)
	t.opt.LR = lr
	x, err := tensorOf(b.X, []int64{int64(b.N), 3, int64(cfg.InputSize), int64(cfg.InputSize)})
	if err != nil {
		return LossParts{}, err
	}
	if t.device != gotch.CPU {
		x = x.MustTo(t.device, true)
	}
	ts0 := time.Now()
	p, err := Step(t.net, t.opt, x, b.Targets, t.anchors, cfg.Loss)
	x.MustDrop()
	if err != nil {
		return p, err
	}
	t.step++
	if err := t.saveError(t.sv.failed()); err != nil {
		return p, err
	}
	if math.IsNaN(p.Total) || math.IsInf(p.Total, 0) {
		msg := fmt.Sprintf("%v at epoch %d, step %d: lower the learning rate (now %.2g) or check the labels", ErrNaN, epoch, t.step, lr)
		t.send(Event{Event: protocol.EventError, Message: msg})
		return p, fmt.Errorf("%w: %s", ErrNaN, msg)
	}
	pp := p
	t.send(Event{Event: protocol.EventBatch, Epoch: epoch, Step: t.step, Steps: t.total, Loss: &pp, LR: lr, ImgPerS: float64(b.N) / time.Since(ts0).Seconds()})
	return p, nil
}

// endOfEpoch validates (mAP on evaluation epochs), reports the epoch,
// writes results.csv and checkpoints.
func (t *trainer) endOfEpoch(epoch int, ev Event, mean LossParts) (epochEnd, error) {
	cfg := &t.cfg
	metrics := map[string]float64{"train_loss": mean.Total}
	if len(t.val) > 0 {
		withMAP := epoch%cfg.EvalEvery == 0 || epoch == cfg.Epochs || t.step >= t.total
		vl, m := evaluate(t.ctx, t.net, t.val, cfg.InputSize, cfg.Batch, cfg.Resize == "plain", t.anchors, t.classes, withMAP)
		if t.ctx.Err() != nil { // stopped while validating: the epoch runs again on resume
			return runOver, t.stopped(epoch)
		}
		ev.ValLoss, metrics["val_loss"] = vl, vl
		if m != nil {
			metrics["map50"], metrics["map50_95"] = m.MAP50, m.MAP5095
			t.send(Event{Event: protocol.EventEval, Epoch: epoch, Metrics: map[string]float64{"map50": m.MAP50, "map50_95": m.MAP5095, "precision": m.Precision, "recall": m.Recall}})
		}
	}
	t.send(ev)
	t.results += fmt.Sprintf("%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%.3g\n", epoch, mean.Total, mean.Box, mean.Obj, mean.Cls, metrics["val_loss"], metrics["map50"], ev.LR)
	if err := atomicfile.WriteFile(t.run.ResultsPath(), []byte(t.results), 0o644); err != nil {
		return runOver, err
	}
	score := -metrics["val_loss"]
	if v, ok := metrics["map50"]; ok {
		score = v
	} else if len(t.val) == 0 {
		score = -mean.Total
	}
	return epochDone, t.checkpoint(epoch, score, metrics)
}

// checkpoint saves best when the score beat it, and last (the set a
// resume goes on from) after every epoch.
func (t *trainer) checkpoint(epoch int, score float64, metrics map[string]float64) error {
	if score > t.best {
		t.best = score
		if err := t.saveBest(epoch, metrics); err != nil {
			return t.saveError(err)
		}
	}
	if err := t.saveLast(epoch, epoch+1, metrics); err != nil {
		return t.saveError(err)
	}
	return nil
}

// stopped ends a cancelled run: the last set is saved so that a resume
// runs epoch again from its start, then "done" says it stopped.
func (t *trainer) stopped(epoch int) error {
	if err := t.saveLast(epoch, epoch, nil); err != nil {
		return t.saveError(err)
	}
	if err := t.sv.flush(); err != nil {
		return t.saveError(err)
	}
	t.send(Event{Event: protocol.EventDone, Stopped: true, Step: t.step, Run: t.dir})
	return nil
}

// Checkpoints are copied out here and written by the saver. Each weights
// file says in its metadata which epoch and step it holds; the last one
// is written as one set with the optimizer state and the counters
// (saveLastSet), so a resume never pairs parts of two saves.

// saveBest queues the best checkpoint.
func (t *trainer) saveBest(epoch int, metrics map[string]float64) error {
	c := *t.ck
	c.Epoch, c.Metrics = epoch, metrics
	w := t.net.Weights()
	p := t.run.Checkpoint(runs.Best)
	meta := map[string]string{metaEpoch: strconv.Itoa(epoch), metaStep: strconv.Itoa(t.step), metaScore: strconv.FormatFloat(t.best, 'g', -1, 64)}
	return t.sv.do(func() error {
		if err := model.SaveCheckpointMeta(p, &c, w, meta); err != nil {
			return err
		}
		t.send(Event{Event: protocol.EventCheckpoint, Kind: runs.Best, Path: p, Epoch: epoch})
		return nil
	})
}

// saveLast queues the last set; next is the epoch a resume starts at.
func (t *trainer) saveLast(epoch, next int, metrics map[string]float64) error {
	c := *t.ck
	c.Epoch, c.Metrics = epoch, metrics
	w, slots := t.net.Weights(), t.opt.State()
	rs := resumeState{Optimizer: t.cfg.Optimizer, OptSteps: t.opt.Steps, Step: t.step, NextEpoch: next, Best: t.best}
	return t.sv.do(func() error {
		if err := saveLastSet(t.dir, &c, w, slots, rs); err != nil {
			return err
		}
		t.send(Event{Event: protocol.EventCheckpoint, Kind: runs.Last, Path: t.run.Checkpoint(runs.Last), Epoch: epoch})
		return nil
	})
}

// saveError stops the run at once when a checkpoint could not be written
// (a full disk), with its cause, not an epoch later.
func (t *trainer) saveError(err error) error {
	if err != nil {
		t.sv.flush() // saves already queued report first: the error is the run's last word
		err = fmt.Errorf("a checkpoint could not be saved, so the run stops (free space, then --resume): %w", err)
		t.send(Event{Event: protocol.EventError, Message: err.Error()})
	}
	return err
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
