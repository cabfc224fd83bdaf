package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/labelloop/labelloop/voc"
)

func runSplit(args []string, stdout, stderr io.Writer) int {
	def := voc.DefaultSplitOptions()
	fs := flag.NewFlagSet("split", flag.ContinueOnError)
	trainval := fs.Float64("trainval", def.TrainVal, "share of images for train+val (the rest is test)")
	train := fs.Float64("train", def.Train, "share of train+val for train (the rest is val)")
	seed := fs.Uint64("seed", def.Seed, "random seed: the same seed gives the same files")
	stratify := fs.Bool("stratify", def.Stratify, "keep each class's share in every split")
	skipDifficult := fs.Bool("skip-difficult", def.SkipDifficult, "leave difficult boxes out of the reference lists and of stratification")
	reference := fs.Bool("reference", true, "also write the PyTorch reference's 2007_train.txt and 2007_val.txt")
	dryRun := fs.Bool("dry-run", false, "show the split without writing files")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop split [options] DIR")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	for name, v := range map[string]float64{"--trainval": *trainval, "--train": *train} {
		if v <= 0 || v > 1 {
			return usageError(stderr, fs, "%s must be in (0, 1], got %g", name, v)
		}
	}
	ds, code := oneDataset(fs, pos, stderr)
	if ds == nil {
		return code
	}
	opt := voc.SplitOptions{TrainVal: *trainval, Train: *train, Seed: *seed, Stratify: *stratify, SkipDifficult: *skipDifficult}
	plan, err := voc.PlanSplit(ds, opt)
	if err != nil {
		fmt.Fprintf(stderr, "labelloop split: %v\n", err)
		return ExitFindings
	}
	for _, is := range plan.Skipped {
		fmt.Fprintln(stderr, is)
	}
	var written []string
	if !*dryRun {
		// Refuse before writing anything, so a failed run leaves no half set.
		if *reference {
			if err := plan.CheckReferencePaths(); err != nil {
				fmt.Fprintf(stderr, "labelloop split: %v\n", err)
				return ExitFindings
			}
		}
		if err := plan.WriteImageSets(ds); err != nil {
			fmt.Fprintf(stderr, "labelloop split: %v\n", err)
			return ExitFindings
		}
		main := filepath.Join(ds.Root, "ImageSets", "Main")
		for _, n := range []string{"trainval", "train", "val", "test"} {
			written = append(written, filepath.Join(main, n+".txt"))
		}
		if plan.WroteClass {
			written = append(written, ds.ClassesPath())
		}
		if *reference {
			if err := plan.WriteReferenceLists(ds); err != nil {
				fmt.Fprintf(stderr, "labelloop split: %v\n", err)
				return ExitFindings
			}
			written = append(written, filepath.Join(ds.Root, "2007_train.txt"), filepath.Join(ds.Root, "2007_val.txt"))
		}
	}
	if *asJSON {
		out := map[string]any{
			"sizes":   map[string]int{"trainval": len(plan.TrainVal), "train": len(plan.Train), "val": len(plan.Val), "test": len(plan.Test)},
			"classes": plan.Classes,
			"counts":  plan.Counts,
			"written": written,
			"skipped": plan.Skipped,
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return ExitOK
	}
	fmt.Fprintf(stdout, "%d images: train %d, val %d, test %d (seed %d, stratified %v)\n",
		len(plan.TrainVal)+len(plan.Test), len(plan.Train), len(plan.Val), len(plan.Test), *seed, *stratify)
	fmt.Fprintf(stdout, "  %-20s %7s %7s %7s   (images containing the class)\n", "class", "train", "val", "test")
	for i, c := range plan.Classes {
		fmt.Fprintf(stdout, "  %-20s %7d %7d %7d\n", c, plan.Counts["train"][i], plan.Counts["val"][i], plan.Counts["test"][i])
	}
	for _, w := range written {
		fmt.Fprintf(stdout, "wrote %s\n", w)
	}
	return ExitOK
}
