package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/pth"
)

// weightsCmd is `weights list` and `weights fetch NAME`.
func weightsCmd(args []string) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "fetch") {
		fmt.Fprintln(os.Stderr, "usage: labelloop-train weights list | weights fetch NAME [--input-size N]")
		return 2
	}
	dir, err := weights.DefaultDir()
	if err != nil {
		return fail(err)
	}
	f := &weights.Fetcher{Dir: dir}
	if args[0] == "list" {
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCACHED\tWHAT\tFROM")
		for _, e := range weights.Catalog {
			cached := "no"
			if _, err := os.Stat(f.Path(e)); err == nil {
				cached = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, cached, e.Note, e.SourceURL())
		}
		tw.Flush()
		fmt.Printf("cache: %s (a mirror: $%s=URL serves the same file names)\n", dir, weights.URLEnv)
		return 0
	}
	fs := flag.NewFlagSet("weights fetch", flag.ContinueOnError)
	size := fs.Int("input-size", 416, "the converted detector's input size (a multiple of 32)")
	// the name may come before the flags, as the usage line shows it
	var names []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		names, rest = append(names, fs.Arg(0)), fs.Args()[1:]
	}
	if len(names) != 1 {
		return fail(fmt.Errorf("weights fetch: give one name (labelloop-train weights list shows them)"))
	}
	// checked before a download of tens of MB, not after it
	if err := model.CheckInputSize(*size); err != nil {
		return fail(fmt.Errorf("weights fetch: --input-size: %w", err))
	}
	e, err := weights.Lookup(names[0])
	if err != nil {
		return fail(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	enc := json.NewEncoder(os.Stdout)
	bar := progressBar(os.Stderr, e.File)
	f.Progress = func(done, total int64) {
		bar(done, total)
		enc.Encode(map[string]any{"event": "download", "path": e.File, "bytes": done, "total": total})
	}
	p, err := f.Fetch(ctx, e)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return fail(err)
	}
	if e.Kind != weights.Detector {
		enc.Encode(map[string]any{"event": "imported", "path": p})
		fmt.Fprintf(os.Stderr, "%s: an ImageNet backbone; start a run from it: labelloop-train train --init %s (or --init imagenet)\n", p, p)
		return 0
	}
	out := filepath.Join(filepath.Dir(p), strings.TrimSuffix(e.File, ".pth")+".safetensors")
	t, err := weights.Convert(p, e, *size, out)
	if err != nil {
		return fail(err)
	}
	msg := t.Summary(e.File)
	enc.Encode(map[string]any{"event": "imported", "path": out, "loaded": t.Taken, "message": msg})
	fmt.Fprintf(os.Stderr, "%s\n%s: the %s VOC detector (20 classes), ready for predict and export; train from it with --init voc\n", msg, out, e.Backbone)
	return 0
}

// progressBar draws "FILE [#####.....]  12.3 of 40.1 MB  31%" on one line
// of a terminal, at most ten times a second.
func progressBar(w io.Writer, name string) func(done, total int64) {
	var last time.Time
	return func(done, total int64) {
		if time.Since(last) < 100*time.Millisecond && done != total {
			return
		}
		last = time.Now()
		if total <= 0 {
			fmt.Fprintf(w, "\r%s  %.1f MB", name, float64(done)/1e6)
			return
		}
		const width = 30
		n := int(width * done / total)
		fmt.Fprintf(w, "\r%s [%s%s] %.1f of %.1f MB %3d%%", name, strings.Repeat("#", n), strings.Repeat(".", width-n),
			float64(done)/1e6, float64(total)/1e6, 100*done/total)
	}
}

// exportPth writes a checkpoint as the seed's state dict (torch.save's zip
// format), for the seed's trainer on a cluster.
func exportPth(args []string) int {
	fs := flag.NewFlagSet("export-pth", flag.ContinueOnError)
	in := fs.String("weights", "", "a checkpoint (.safetensors with its .json)")
	out := fs.String("out", "", "the .pth to write")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *in == "" || *out == "" {
		return fail(fmt.Errorf("give --weights W.safetensors and --out W.pth"))
	}
	ck, w, err := model.LoadCheckpoint(*in)
	if err != nil {
		return fail(err)
	}
	g, err := model.Build(ck.Config())
	if err != nil {
		return fail(err)
	}
	if err := pth.Write(*out, g, w); err != nil {
		return fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"event": "imported", "path": *out, "loaded": len(g.Params)})
	fmt.Fprintf(os.Stderr, "%s: %d tensors, the seed's YoloBody(%q, %d) state dict (classes: %s)\n", *out, len(g.Params), ck.Backbone, len(ck.Classes), strings.Join(ck.Classes, ", "))
	return 0
}
