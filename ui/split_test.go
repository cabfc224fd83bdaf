package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

// splitPanel is a panel planning inline, on a generated set of n images.
func splitPanel(t *testing.T, n int) (*SplitPanel, *voc.Dataset) {
	test.NewTempApp(t)
	root := filepath.Join(t.TempDir(), "d")
	if err := synth.Generate(root, synth.Default(n)); err != nil {
		t.Fatal(err)
	}
	ds, err := voc.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	p := NewSplitPanel()
	p.background = func(f func()) { f() }
	return p, ds
}

// The preview follows the options, a bad field names itself and blocks
// writing, and Write produces the same files as `labelloop split`.
func TestSplitPanelPreviewAndWrite(t *testing.T) {
	p, ds := splitPanel(t, 40)
	root := ds.Root
	written := false
	p.OnWritten = func() { written = true }
	p.SetDataset(ds)
	if p.plan == nil || p.write.Disabled() {
		t.Fatalf("no plan: %q", p.preview.Text)
	}
	if got := len(p.plan.Train) + len(p.plan.Val) + len(p.plan.Test); got != 40 {
		t.Fatalf("split covers %d images, want 40", got)
	}
	for _, c := range synth.Classes {
		if !strings.Contains(p.preview.Text, c) {
			t.Fatalf("preview lacks class %s:\n%s", c, p.preview.Text)
		}
	}
	test.Type(p.trainval, "x")
	if p.plan != nil || !p.write.Disabled() || !strings.Contains(p.preview.Text, "Train+val share") {
		t.Fatalf("bad share accepted: %q", p.preview.Text)
	}
	p.trainval.SetText("0.5")
	if len(p.plan.Test) != 20 {
		t.Fatalf("trainval 0.5 gave %d test images", len(p.plan.Test))
	}
	test.Tap(p.write)
	if !written {
		t.Fatal("OnWritten not called")
	}
	b, err := os.ReadFile(filepath.Join(root, "ImageSets", "Main", "test.txt"))
	if err != nil || len(strings.Fields(string(b))) != 20 {
		t.Fatalf("test.txt: %v %q", err, b)
	}
	if _, err := os.Stat(filepath.Join(root, "2007_train.txt")); err != nil {
		t.Fatal(err)
	}
}

// Option changes re-plan from the annotations already read; a save in the
// editor (Stale) makes the next preview read them again.
func TestSplitPanelReadsOncePerChange(t *testing.T) {
	p, ds := splitPanel(t, 10)
	p.SetDataset(ds)
	total := func() int { return len(p.plan.Train) + len(p.plan.Val) + len(p.plan.Test) }
	if total() != 10 {
		t.Fatalf("split covers %d images, want 10", total())
	}
	// an annotation breaks on disk: options alone do not read it again
	os.WriteFile(ds.Items[0].XML, []byte("<annotation"), 0o644)
	p.seed.SetText("7")
	if p.plan == nil || total() != 10 {
		t.Fatalf("an option change re-read the files: %q", p.preview.Text)
	}
	p.Stale()
	p.seed.SetText("8")
	if p.plan == nil || total() != 9 || len(p.plan.Skipped) != 1 {
		t.Fatalf("after Stale the broken file should be left out: %q", p.preview.Text)
	}
}
