// Command labelloop-train is LabelLoop's training worker, the only binary
// that links libtorch. The app starts it and reads its JSON lines; it also
// runs headless on servers and in CI.
//
//	labelloop-train train --config run.json [--dataset DIR --epochs N ...]
//	labelloop-train train --resume runs/train-3
//	labelloop-train import-pth --pth W.pth --dataset DIR --out W.safetensors
//	labelloop-train export-pth --weights W.safetensors --out W.pth
//	labelloop-train weights list | weights fetch voc-mobilenetv2
//
// It writes one JSON object per line to stdout (started, batch, epoch,
// eval, checkpoint, done, error) and stops cleanly, after saving the last
// weights, on SIGINT, SIGTERM or a "stop" line on stdin.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training"
	"github.com/labelloop/labelloop/training/protocol"
	"github.com/labelloop/labelloop/voc"
)

func main() {
	// libgomp reads OMP_WAIT_POLICY when the process starts. Its default
	// spinning fights Go's own threads for the cores and made steps vary by
	// 2x on a 2-core machine; passive waiting keeps them steady. The
	// variable is set once and the process started again.
	if os.Getenv("OMP_WAIT_POLICY") == "" {
		if exe, err := os.Executable(); err == nil {
			os.Setenv("OMP_WAIT_POLICY", "passive")
			err = syscall.Exec(exe, os.Args, os.Environ())
			fmt.Fprintln(os.Stderr, "labelloop-train: restart with OMP_WAIT_POLICY=passive:", err)
		}
	}
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "train":
		os.Exit(train(os.Args[2:]))
	case "import-pth":
		os.Exit(importPth(os.Args[2:]))
	case "export-pth":
		os.Exit(exportPth(os.Args[2:]))
	case "weights":
		os.Exit(weightsCmd(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "labelloop-train: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  labelloop-train train [--config run.json] [options]   train (options: train --help)
  labelloop-train train --resume runs/train-N           continue a stopped run
  labelloop-train import-pth --pth W.pth --out W.safetensors (--dataset DIR | --classes a,b) [options]
                                                        convert PyTorch weights (import-pth --help)
  labelloop-train export-pth --weights W.safetensors --out W.pth
                                                        write the seed's state dict (torch.load, YoloBody strict)
  labelloop-train weights list                          the seed's published weights (VOC detectors, ImageNet backbones)
  labelloop-train weights fetch NAME                    download one into the cache (and convert a detector)`)
}

func train(args []string) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	config := fs.String("config", "", "a run configuration (JSON); flags override it")
	var cfg training.Config
	dataset := fs.String("dataset", "", "dataset folder (split first with 'labelloop split')")
	backbone := fs.String("backbone", "", "mobilenetv1, mobilenetv2 or mobilenetv3")
	size := fs.Int("input-size", 0, "input size, a multiple of 32 (416)")
	epochs := fs.Int("epochs", 0, "epochs (100)")
	batch := fs.Int("batch", 0, "batch size (8)")
	optim := fs.String("optimizer", "", "adam or sgd")
	lr := fs.Float64("lr", 0, "learning rate (the seed's rule: batch/64 × 1e-3 within 3e-4..1e-3 for adam, so 3e-4 at batch 8; × 1e-2 within 5e-4..5e-2 for sgd)")
	anchors := fs.String("anchors", "", "default (the seed's, as they are at any input size), scaled (those × size/416) or auto (k-means on your boxes)")
	maxSteps := fs.Int("max-steps", 0, "stop after this many steps")
	evalEvery := fs.Int("eval-every", 0, "mAP@0.5 every N epochs (10)")
	project := fs.String("project", "", "where runs/train-N go (runs)")
	initFrom := fs.String("init", "", "start from: a checkpoint (.safetensors), PyTorch weights (.pth), voc (the seed's VOC detector) or imagenet (its ImageNet backbone); tensors whose name and shape fit are taken")
	resume := fs.String("resume", "", "continue the run in this folder (runs/train-N)")
	seed := fs.Uint64("seed", 0, "random seed")
	freeze := fs.Int("freeze-epochs", -1, "keep the backbone fixed for the first N epochs (with --init: half the epochs, the seed's recipe; else 0)")
	freezeBatch := fs.Int("freeze-batch", 0, "batch size while frozen (2x batch)")
	wd := fs.Float64("weight-decay", -1, "weight decay on conv weights (sgd 5e-4, adam 0)")
	clip := fs.Float64("clip-norm", 0, "clip gradients to this global norm (0: off)")
	smooth := fs.Float64("label-smoothing", 0, "label smoothing (0: off)")
	focal := fs.Bool("focal", false, "focal loss on objectness")
	mosaic := fs.Float64("mosaic", -1, "mosaic probability (0.5)")
	mixup := fs.Float64("mixup", -1, "mixup probability on mosaics (0.5)")
	resize := fs.String("resize", "", "letterbox (default) or plain")
	augment := fs.String("augment", "", "default (the reference's recipe), flip (flips only) or none")
	maxPixels := fs.Int64("max-pixels", 0, fmt.Sprintf("refuse pictures larger than this many pixels, as decompression bombs (default %d, or $%s)", pix.MaxPixels(), pix.MaxPixelsEnv))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *freeze < 0 && *config == "" && *initFrom != "" && *resume == "" {
		// the seed's recipe from pretrained weights: the backbone frozen
		// for the first half (at the larger frozen batch)
		*freeze = 50 // of the default 100 epochs
		if *epochs > 0 {
			*freeze = *epochs / 2
		}
	}
	*freeze = max(*freeze, 0) // 0: as the config says
	if *maxPixels > 0 {
		pix.SetMaxPixels(*maxPixels)
	}
	if *config != "" {
		data, err := os.ReadFile(*config)
		if err == nil {
			err = json.Unmarshal(data, &cfg)
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", *config, err))
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Dataset, *dataset)
	set(&cfg.Backbone, *backbone)
	set(&cfg.Optimizer, *optim)
	set(&cfg.Anchors, *anchors)
	set(&cfg.Project, *project)
	set(&cfg.Init, *initFrom)
	set(&cfg.Resume, *resume)
	for _, p := range []struct {
		dst *int
		v   int
	}{{&cfg.InputSize, *size}, {&cfg.Epochs, *epochs}, {&cfg.Batch, *batch}, {&cfg.MaxSteps, *maxSteps}, {&cfg.EvalEvery, *evalEvery},
		{&cfg.FreezeEpochs, *freeze}, {&cfg.FreezeBatch, *freezeBatch}} {
		if p.v != 0 {
			*p.dst = p.v
		}
	}
	if *lr != 0 {
		cfg.LR = *lr
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	if *wd >= 0 {
		cfg.WeightDecay = wd
	}
	if *mosaic >= 0 {
		cfg.Mosaic = mosaic
	}
	if *mixup >= 0 {
		cfg.Mixup = mixup
	}
	if *clip != 0 {
		cfg.ClipNorm = *clip
	}
	if *smooth != 0 {
		cfg.Loss.LabelSmoothing = *smooth
	}
	cfg.Loss.Focal = cfg.Loss.Focal || *focal
	set(&cfg.Augment, *augment)
	set(&cfg.Resize, *resize)
	if cfg.Dataset == "" && cfg.Resume == "" {
		return fail(fmt.Errorf("no dataset: give --dataset or \"dataset\" in the config"))
	}
	ev := &events{enc: json.NewEncoder(os.Stdout)}
	stop := newStopper(ev, os.Exit, os.Stderr)
	stop.watch(os.Stdin)
	_, err := training.Run(stop.ctx, cfg, func(e training.Event) {
		stop.seen(e)
		ev.write(e)
		// notes for the person: a resume from best, what a start took from its weights
		if (e.Event == protocol.EventStarted || e.Event == protocol.EventTransfer) && e.Message != "" {
			for _, line := range strings.Split(e.Message, "\n") {
				fmt.Fprintln(os.Stderr, "labelloop-train:", line)
			}
		}
	})
	if err != nil {
		return fail(err)
	}
	return 0
}

// fail reports an error as the protocol's error event (and on stderr).
func fail(err error) int {
	json.NewEncoder(os.Stdout).Encode(training.Event{Event: protocol.EventError, Message: err.Error()})
	fmt.Fprintln(os.Stderr, "labelloop-train:", err)
	return 1
}

func importPth(args []string) int {
	fs := flag.NewFlagSet("import-pth", flag.ContinueOnError)
	pth := fs.String("pth", "", "a PyTorch state dict (torch.save)")
	out := fs.String("out", "", "the checkpoint to write (.safetensors, with its .json)")
	dataset := fs.String("dataset", "", "take the classes from this dataset's class list")
	classList := fs.String("classes", "", "or the classes, comma-separated")
	backbone := fs.String("backbone", "mobilenetv2", "mobilenetv1, mobilenetv2 or mobilenetv3")
	size := fs.Int("input-size", 416, "input size, a multiple of 32")
	backboneOnly := fs.Bool("backbone-only", false, "take only the backbone's tensors (e.g. from a detector with other classes)")
	anchorsFile := fs.String("anchors", "", "the anchors the weights were trained with, in the seed's yolo_anchors.txt format (default: the seed's own, unscaled)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	anchors := model.DefaultAnchors
	if *anchorsFile != "" {
		a, err := model.ReadAnchors(*anchorsFile)
		if err != nil {
			return fail(err)
		}
		anchors = a
	}
	if *pth == "" || *out == "" {
		return fail(fmt.Errorf("give --pth and --out"))
	}
	classes, err := pickClasses(*dataset, *classList)
	if err != nil {
		return fail(err)
	}
	g, err := model.Build(model.Config{Backbone: *backbone, NumClasses: len(classes), InputSize: *size})
	if err != nil {
		return fail(err)
	}
	only := ""
	if *backboneOnly {
		only = "backbone."
	}
	imp, err := training.ImportPth(*pth, g, 0, only)
	if err != nil {
		return fail(err)
	}
	ck := &model.Checkpoint{Backbone: *backbone, Classes: classes, Anchors: anchors, InputSize: *size, Resize: "letterbox"}
	if err := model.SaveCheckpoint(*out, ck, imp.Weights); err != nil {
		return fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"event": "imported", "path": *out, "loaded": imp.Loaded,
		"fresh": len(imp.Fresh), "ignored": imp.Ignored, "prefixed": imp.Prefixed, "converted": imp.Converted})
	fmt.Fprintf(os.Stderr, "%s: %d tensors from %s, %d newly initialised, %d ignored\n", *out, imp.Loaded, *pth, len(imp.Fresh), len(imp.Ignored))
	if c := imp.ConvertedNote(); c != "" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", *pth, c)
	}
	return 0
}

// pickClasses reads a dataset's class list or a comma-separated one.
func pickClasses(dataset, list string) ([]string, error) {
	switch {
	case dataset != "":
		ds, err := voc.Open(dataset)
		if err != nil {
			return nil, err
		}
		return voc.ReadClasses(ds.ClassesPath())
	case list != "":
		var out []string
		for _, c := range strings.Split(list, ",") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("give the classes: --dataset DIR (its class list) or --classes a,b,c")
}
