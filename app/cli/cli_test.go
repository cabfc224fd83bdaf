package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func dataset(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "ds")
	if err := synth.Generate(root, synth.Default(30)); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestCheckExitCodes(t *testing.T) {
	root := dataset(t)
	if code, out, errs := run("check", root); code != 0 || !strings.Contains(out, "0 errors") {
		t.Fatalf("clean dataset: %d\n%s%s", code, out, errs)
	}
	// flags after the folder work as users type them
	code, out, _ := run("check", root, "--json")
	var rep struct {
		Errors  int
		Summary voc.Summary
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Summary.Labelled != 30 {
		t.Fatalf("json: %d %s", code, out)
	}
	bad := filepath.Join(root, "Annotations", "shapes-00003.xml")
	os.WriteFile(bad, []byte("<annotation><object>"), 0o644)
	code, out, _ = run("check", root)
	if code != 1 || !strings.Contains(out, bad+":1: XML does not parse") {
		t.Fatalf("broken file: %d\n%s", code, out)
	}
	for _, args := range [][]string{{"check"}, {"check", root, root}, {"check", "--nope", root}, {"frobnicate"}} {
		if code, _, _ := run(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := run("check", filepath.Join(root, "missing")); code != 2 || !strings.Contains(errs, "missing") {
		t.Errorf("missing folder: %d %s", code, errs)
	}
	if code, _, _ := run("check", "-h"); code != 0 {
		t.Errorf("-h exits %d", code)
	}
}

func TestCheckDeepAndMaxPixels(t *testing.T) {
	root := dataset(t)
	// a block in the middle of the scan overwritten: the end marker is
	// still there, so only decoding finds it
	bad := filepath.Join(root, "JPEGImages", "shapes-00004.jpg")
	data, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+64; i++ {
		data[i] = 0xFF
	}
	os.WriteFile(bad, data, 0o644)
	if code, out, _ := run("check", root); code != 0 {
		t.Fatalf("cheap check: exit %d\n%s", code, out)
	}
	code, out, _ := run("check", "--deep", root)
	if code != 1 || !strings.Contains(out, "error: "+bad+": corrupt JPEG") {
		t.Fatalf("--deep: exit %d, want the damaged file named\n%s", code, out)
	}
	defer pix.SetMaxPixels(0)
	code, out, _ = run("check", "--max-pixels", "1000", root)
	if code != 1 || !strings.Contains(out, "over the limit of 1000 pixels") {
		t.Fatalf("--max-pixels 1000: exit %d\n%s", code, out)
	}
	if code, _, errs := run("check", "--max-pixels", "lots", root); code != 2 || !strings.Contains(errs, "positive number") {
		t.Fatalf("bad --max-pixels: %d %s", code, errs)
	}
}

func TestCheckFixWritesBackup(t *testing.T) {
	root := dataset(t)
	p := filepath.Join(root, "Annotations", "shapes-00001.xml")
	a, _ := voc.LoadAnnotation(p)
	a.Width, a.Height = 0, 0
	a.Objects[0].Box.Xmax = 500
	voc.SaveAnnotation(p, a)
	orig, _ := os.ReadFile(p)
	if code, _, _ := run("check", root); code != 1 {
		t.Fatal("box outside the image should be an error")
	}
	bk := filepath.Join(t.TempDir(), "bk")
	code, out, errs := run("check", "--fix", "--backup-dir", bk, root)
	if code != 0 || !strings.Contains(errs, "fixed 1 file") {
		t.Fatalf("fix: %d\n%s%s", code, out, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(bk, "Annotations", "shapes-00001.xml")); !bytes.Equal(b, orig) {
		t.Fatal("backup missing or different")
	}
}

func TestSplitCommand(t *testing.T) {
	root := dataset(t)
	code, out, errs := run("split", root, "--seed", "3", "--json")
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	var res struct {
		Sizes   map[string]int
		Written []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Sizes["train"]+res.Sizes["val"]+res.Sizes["test"] != 30 || len(res.Written) != 6 {
		t.Fatalf("%+v", res)
	}
	first, _ := os.ReadFile(filepath.Join(root, "2007_train.txt"))
	run("split", root, "--seed", "3")
	again, _ := os.ReadFile(filepath.Join(root, "2007_train.txt"))
	if !bytes.Equal(first, again) || len(first) == 0 {
		t.Fatal("same seed wrote different lists")
	}
	if code, _, _ := run("split", root, "--trainval", "1.5"); code != 2 {
		t.Fatalf("bad fraction accepted: %d", code)
	}
	code, out, _ = run("split", root, "--dry-run")
	if code != 0 || strings.Contains(out, "wrote") || !strings.Contains(out, "circle") {
		t.Fatalf("dry run: %s", out)
	}
}

func TestSplitRefusesSpacesBeforeWriting(t *testing.T) {
	root := filepath.Join(t.TempDir(), "my data")
	synth.Generate(root, synth.Default(10))
	code, _, errs := run("split", root)
	if code != 1 || !strings.Contains(errs, "contains a space") {
		t.Fatalf("%d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(root, "ImageSets")); err == nil {
		t.Fatal("wrote ImageSets despite refusing")
	}
	if code, _, errs := run("split", "--reference=false", root); code != 0 {
		t.Fatalf("ImageSets only: %d %s", code, errs)
	}
}
