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
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/voc"
)

// Config is a training run. Zero values take the reference's defaults.
type Config struct {
	Dataset   string  `json:"dataset"`
	Backbone  string  `json:"backbone"`   // mobilenetv1, mobilenetv2 (default), mobilenetv3
	InputSize int     `json:"input_size"` // 416
	Epochs    int     `json:"epochs"`     // 100
	Batch     int     `json:"batch"`      // 8
	Optimizer string  `json:"optimizer"`  // adam (default) or sgd
	LR        float64 `json:"lr"`         // adam 1e-3; sgd 1e-2·batch/64, clamped to 5e-4..5e-2
	Seed      uint64  `json:"seed"`
	Anchors   string  `json:"anchors"`    // "default" (the reference's, scaled to the input) or "auto" (k-means)
	EvalEvery int     `json:"eval_every"` // mAP@0.5 every N epochs (10)
	Workers   int     `json:"workers"`    // data goroutines (number of CPUs)
	Project   string  `json:"project"`    // where runs/train-N go ("runs")
	Init      string  `json:"init"`       // a checkpoint to start from (.safetensors)
	MaxSteps  int     `json:"max_steps"`  // stop after this many steps (quick runs, tests)
	NoAugment bool    `json:"no_augment"`
}

func (c *Config) defaults() {
	if c.Backbone == "" {
		c.Backbone = model.MobileNetV2
	}
	if c.InputSize == 0 {
		c.InputSize = 416
	}
	if c.Epochs == 0 {
		c.Epochs = 100
	}
	if c.Batch == 0 {
		c.Batch = 8
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.LR == 0 {
		if c.Optimizer == "sgd" {
			c.LR = min(max(1e-2*float64(c.Batch)/64, 5e-4), 5e-2)
		} else {
			c.LR = 1e-3
		}
	}
	if c.Anchors == "" {
		c.Anchors = "default"
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = 10
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Project == "" {
		c.Project = "runs"
	}
}

// Event is one line of the worker's output (and of events.jsonl).
type Event struct {
	Event   string             `json:"event"` // started, batch, epoch, eval, checkpoint, done, error
	Time    string             `json:"time"`
	Run     string             `json:"run,omitempty"`
	Device  string             `json:"device,omitempty"`
	Threads int                `json:"threads,omitempty"`
	Epoch   int                `json:"epoch,omitempty"`
	Step    int                `json:"step,omitempty"`
	Steps   int                `json:"steps,omitempty"` // total planned
	Loss    *LossParts         `json:"loss,omitempty"`
	ValLoss float64            `json:"val_loss,omitempty"`
	LR      float64            `json:"lr,omitempty"`
	ImgPerS float64            `json:"images_per_s,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Path    string             `json:"path,omitempty"`
	Kind    string             `json:"kind,omitempty"` // best, last
	Stopped bool               `json:"stopped,omitempty"`
	Message string             `json:"message,omitempty"`
}

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
// weights are saved first) or the loss diverges. emit receives every
// event; they are also appended to the run's events.jsonl.
func Run(ctx context.Context, cfg Config, emit func(Event)) (string, error) {
	// libtorch keeps state such as grad mode per OS thread; a goroutine
	// that moved between threads mid-way left training with gradients
	// switched off. All of a run's libtorch calls stay on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cfg.defaults()
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
	train, err := LoadSplit(ds, trainIDs, classes, cfg.Batch)
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
	if cfg.Init != "" {
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
	net, vs, err := NewTrainable(g, weights, device)
	if err != nil {
		return "", err
	}
	defer net.Free()
	var opt *nn.Optimizer
	if cfg.Optimizer == "sgd" {
		opt, err = nn.NewSGDConfig(0.937, 0, 5e-4, true).Build(vs, cfg.LR)
	} else {
		opt, err = nn.NewAdamConfig(0.937, 0.999, 0).Build(vs, cfg.LR)
	}
	if err != nil {
		return "", err
	}
	dir, err := runs.Next(cfg.Project, "train")
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, "weights"), 0o755)
	}
	if err != nil {
		return "", err
	}
	cj, _ := json.MarshalIndent(cfg, "", "  ")
	voc.WriteFileAtomic(filepath.Join(dir, "config.json"), append(cj, '\n'), 0o644)
	evf, err := os.Create(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		return dir, err
	}
	defer evf.Close()
	enc := json.NewEncoder(evf)
	send := func(e Event) {
		e.Time = time.Now().UTC().Format(time.RFC3339Nano)
		enc.Encode(e)
		emit(e)
	}
	results := "epoch,train_loss,box,obj,cls,val_loss,map50,lr\n"
	dev := "cpu"
	if device != gotch.CPU {
		dev = "cuda"
	}
	nb := len(train) / cfg.Batch
	total := nb * cfg.Epochs
	if cfg.MaxSteps > 0 {
		total = min(total, cfg.MaxSteps)
	}
	send(Event{Event: "started", Run: dir, Device: dev, Threads: Threads(), Steps: total})
	loader := &Loader{Samples: train, Size: cfg.InputSize, Batch: cfg.Batch, Seed: cfg.Seed, Workers: cfg.Workers, Aug: DefaultAugment}
	if cfg.NoAugment {
		loader.Aug = Augment{}
	}
	ck := &model.Checkpoint{Backbone: cfg.Backbone, Classes: classes, Anchors: anchors, InputSize: cfg.InputSize, Resize: "letterbox"}
	save := func(kind string, epoch int, metrics map[string]float64) error {
		ck.Epoch, ck.Metrics = epoch, metrics
		p := filepath.Join(dir, "weights", kind+".safetensors")
		if err := model.SaveCheckpoint(p, ck, net.Weights()); err != nil {
			return err
		}
		send(Event{Event: "checkpoint", Kind: kind, Path: p, Epoch: epoch})
		return nil
	}
	step, best := 0, -1.0
	warm := max(1, min(3*nb, total/10))
	for epoch := 1; epoch <= cfg.Epochs && step < total; epoch++ {
		var sum LossParts
		n := 0
		t0 := time.Now()
		for b := range loader.Epoch(ctx, epoch) {
			if b.Err != nil {
				send(Event{Event: "error", Message: b.Err.Error()})
				return dir, b.Err
			}
			lr := lrAt(cfg.LR, step, total, warm)
			opt.SetLR(lr)
			x, err := ts.NewTensorFromData(b.X, []int64{int64(b.N), 3, int64(cfg.InputSize), int64(cfg.InputSize)})
			if err != nil {
				return dir, err
			}
			if device != gotch.CPU {
				x = x.MustTo(device, true)
			}
			ts0 := time.Now()
			p, err := Step(net, opt, x, b.Targets, anchors, 0)
			x.MustDrop()
			if err != nil {
				return dir, err
			}
			step++
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
			if err := save("last", epoch, nil); err != nil {
				return dir, err
			}
			send(Event{Event: "done", Stopped: true, Step: step, Run: dir})
			return dir, nil
		}
		if n == 0 {
			break
		}
		mean := LossParts{Box: sum.Box / float64(n), Obj: sum.Obj / float64(n), Cls: sum.Cls / float64(n), Total: sum.Total / float64(n)}
		ev := Event{Event: "epoch", Epoch: epoch, Step: step, Loss: &mean, ImgPerS: float64(n*cfg.Batch) / time.Since(t0).Seconds()}
		metrics := map[string]float64{"train_loss": mean.Total}
		if len(val) > 0 {
			vl, m := evaluate(net, val, cfg.InputSize, anchors, classes, epoch%cfg.EvalEvery == 0 || epoch == cfg.Epochs || step >= total)
			ev.ValLoss, metrics["val_loss"] = vl, vl
			if m != nil {
				metrics["map50"], metrics["map50_95"] = m.MAP50, m.MAP5095
				send(Event{Event: "eval", Epoch: epoch, Metrics: map[string]float64{"map50": m.MAP50, "map50_95": m.MAP5095, "precision": m.Precision, "recall": m.Recall}})
			}
		}
		send(ev)
		results += fmt.Sprintf("%d,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f,%.3g\n", epoch, mean.Total, mean.Box, mean.Obj, mean.Cls, metrics["val_loss"], metrics["map50"], lrAt(cfg.LR, step, total, warm))
		voc.WriteFileAtomic(filepath.Join(dir, "results.csv"), []byte(results), 0o644)
		if err := save("last", epoch, metrics); err != nil {
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
				return dir, err
			}
		}
	}
	send(Event{Event: "done", Step: step, Run: dir})
	return dir, nil
}

// chooseAnchors is the reference's anchors scaled to the input, or
// k-means on the training boxes.
func chooseAnchors(cfg Config, train []Sample) ([9][2]float64, error) {
	a := model.DefaultAnchors
	switch cfg.Anchors {
	case "default":
		for i := range a {
			a[i] = [2]float64{a[i][0] * float64(cfg.InputSize) / 416, a[i][1] * float64(cfg.InputSize) / 416}
		}
		return a, nil
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
	return a, fmt.Errorf("anchors %q: want default or auto", cfg.Anchors)
}

// Weights copies the network's state out (for checkpoints).
func (n *Net) Weights() map[string][]float32 {
	w := make(map[string][]float32, len(n.Params)+len(n.unused))
	for name, v := range n.unused {
		w[name] = v
	}
	for name, t := range n.Params {
		c := t.MustDetach(false)
		if n.device != gotch.CPU {
			c = c.MustTo(gotch.CPU, true)
		}
		w[name] = append([]float32(nil), c.Vals().([]float32)...)
		c.MustDrop()
	}
	return w
}

// evaluate computes the validation loss and, when asked, mAP on val, with
// BatchNorm's running statistics and no gradients.
func evaluate(net *Net, val []Sample, size int, anchors [9][2]float64, classes []string, withMAP bool) (float64, *inference.Metrics) {
	l := &Loader{Samples: val, Size: size, Batch: 1, Workers: 2}
	var lossSum float64
	var images []inference.EvalImage
	n := 0
	ts.NoGrad(func() {
		for b := range l.Epoch(context.Background(), 0) {
			if b.Err != nil {
				continue
			}
			x, _ := ts.NewTensorFromData(b.X, []int64{1, 3, int64(size), int64(size)})
			if net.device != gotch.CPU {
				x = x.MustTo(net.device, true)
			}
			var s scope
			outs := net.Forward(x, false)
			for _, o := range outs {
				s.keep(o)
			}
			_, p := Loss(&s, outs, b.Targets, len(classes), size, anchors, 0)
			lossSum += p.Total
			n++
			if withMAP {
				var heads []inference.Output
				for _, o := range outs {
					heads = append(heads, inference.Output{Shape: o.MustSize(), Data: o.Vals().([]float32)})
				}
				dets := inference.NMS(inference.Decode(heads, 0, len(classes), size, anchors, inference.MAPThresholds.Conf), inference.MAPThresholds.NMS, false)
				var truth []inference.GroundTruth
				for k, bx := range b.Targets.Boxes[0] {
					truth = append(truth, inference.GroundTruth{Class: b.Targets.Classes[0][k],
						Box: voc.Box{Xmin: bx[0] - bx[2]/2, Ymin: bx[1] - bx[3]/2, Xmax: bx[0] + bx[2]/2, Ymax: bx[1] + bx[3]/2}})
				}
				images = append(images, inference.EvalImage{Dets: dets, Truth: truth})
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
	m := inference.Evaluate(images, classes, inference.DisplayThresholds.Conf)
	return lossSum / float64(n), &m
}
