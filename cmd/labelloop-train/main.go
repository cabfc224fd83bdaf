// Command labelloop-train is LabelLoop's training worker, the only binary
// that links libtorch. The app starts it and reads its JSON lines; it also
// runs headless on servers and in CI.
//
//	labelloop-train train --config run.json [--dataset DIR --epochs N ...]
//
// It writes one JSON object per line to stdout (started, batch, epoch,
// eval, checkpoint, done, error) and stops cleanly, after saving the last
// weights, on SIGINT, SIGTERM or a "stop" line on stdin.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/labelloop/labelloop/training"
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
	default:
		fmt.Fprintf(os.Stderr, "labelloop-train: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: labelloop-train train [--config run.json] [options]")
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
	lr := fs.Float64("lr", 0, "learning rate (adam 1e-3)")
	anchors := fs.String("anchors", "", "default or auto (k-means on your boxes)")
	maxSteps := fs.Int("max-steps", 0, "stop after this many steps")
	evalEvery := fs.Int("eval-every", 0, "mAP@0.5 every N epochs (10)")
	project := fs.String("project", "", "where runs/train-N go (runs)")
	initFrom := fs.String("init", "", "start from this checkpoint")
	seed := fs.Uint64("seed", 0, "random seed")
	if err := fs.Parse(args); err != nil {
		return 2
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
	for _, p := range []struct {
		dst *int
		v   int
	}{{&cfg.InputSize, *size}, {&cfg.Epochs, *epochs}, {&cfg.Batch, *batch}, {&cfg.MaxSteps, *maxSteps}, {&cfg.EvalEvery, *evalEvery}} {
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
	if cfg.Dataset == "" {
		return fail(fmt.Errorf("no dataset: give --dataset or \"dataset\" in the config"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { // a "stop" line on stdin also stops the run
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "stop" {
				stop()
				return
			}
		}
	}()
	enc := json.NewEncoder(os.Stdout)
	_, err := training.Run(ctx, cfg, func(e training.Event) { enc.Encode(e) })
	if err != nil {
		return fail(err)
	}
	return 0
}

// fail reports an error as the protocol's error event (and on stderr).
func fail(err error) int {
	json.NewEncoder(os.Stdout).Encode(training.Event{Event: "error", Message: err.Error()})
	fmt.Fprintln(os.Stderr, "labelloop-train:", err)
	return 1
}
