package training

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

func TestLoadSplitChecks(t *testing.T) {
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(5))
	ds, _ := voc.Open(root)
	ids := []string{"shapes-00000", "shapes-00001", "shapes-00002", "shapes-00003", "shapes-00004"}
	s, err := LoadSplit(ds, ids, synth.Classes, 4)
	if err != nil || len(s) != 5 || len(s[0].Boxes) == 0 {
		t.Fatalf("%v %+v", err, s)
	}
	for _, c := range []struct {
		ids     []string
		classes []string
		batch   int
		want    string
	}{
		{ids, synth.Classes, 1, "at least 2"},
		{ids, synth.Classes, 8, "5 training images but a batch of 8"},
		{nil, synth.Classes, 2, "no training images"},
		{ids, []string{"circle"}, 2, "is not in the class list"},
		{append(ids, "nope"), synth.Classes, 2, "nope: listed"},
	} {
		if _, err := LoadSplit(ds, c.ids, c.classes, c.batch); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
	os.WriteFile(filepath.Join(root, "Annotations", "shapes-00002.xml"), []byte("<annotation>"), 0o644)
	if _, err := LoadSplit(ds, ids, synth.Classes, 2); err == nil || !strings.Contains(err.Error(), "shapes-00002.xml") {
		t.Errorf("broken XML: %v", err)
	}
}
