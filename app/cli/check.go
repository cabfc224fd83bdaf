package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/labelloop/labelloop/voc"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fix := fs.Bool("fix", false, "repair what is safe (fill or correct <size>, clamp boxes into the image) after backing up each changed file")
	backupDir := fs.String("backup-dir", "", "where --fix puts backups (default DIR/.labelloop/backup/TIMESTAMP)")
	maxIssues := fs.Int("max-issues", 200, "print at most this many findings as text (0: all)")
	deep := fs.Bool("deep", false, "decode every image in full, as training will, to find data damaged part-way (the default reads headers and end markers only)")
	maxPixelsFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop check [--json] [--fix] [--deep] DIR")
		fmt.Fprintln(stderr, "Exit status: 0 no errors, 1 errors found, 2 bad usage.")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	ds, code := oneDataset(fs, pos, stderr)
	if ds == nil {
		return code
	}
	rep, err := voc.Check(ds, voc.CheckOptions{Deep: *deep})
	if err != nil {
		fmt.Fprintf(stderr, "labelloop check: %v\n", err)
		return ExitFindings
	}
	var fixed []string
	if *fix {
		dir := *backupDir
		if dir == "" {
			dir = voc.DefaultBackupDir(ds.Root)
		}
		fixed, err = voc.Fix(ds, rep, dir)
		if len(fixed) > 0 {
			fmt.Fprintf(stderr, "fixed %s; originals backed up in %s\n", plural(len(fixed), "file"), dir)
		}
		if err != nil {
			fmt.Fprintf(stderr, "labelloop check --fix: %v\n", err)
			return ExitFindings
		}
		if len(fixed) > 0 { // report the dataset as it is now
			if rep, err = voc.Check(ds, voc.CheckOptions{Deep: *deep}); err != nil {
				fmt.Fprintf(stderr, "labelloop check: %v\n", err)
				return ExitFindings
			}
		}
	}
	if *asJSON {
		out := struct {
			*voc.Report
			Errors   int      `json:"errors"`
			Warnings int      `json:"warnings"`
			Fixed    []string `json:"fixed,omitempty"`
		}{rep, rep.Errors(), rep.Warnings(), fixed}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "labelloop check: writing the report: %v\n", err)
			return ExitFindings
		}
	} else {
		rep.WriteText(stdout, *maxIssues)
	}
	if rep.Errors() > 0 {
		return ExitFindings
	}
	return ExitOK
}
