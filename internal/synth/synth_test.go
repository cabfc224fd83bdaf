package synth

import (
	"testing"

	"github.com/labelloop/labelloop/voc"
)

func TestGenerateIsACleanDataset(t *testing.T) {
	root := t.TempDir()
	o := Default(12)
	o.Unlabelled = 2
	if err := Generate(root, o); err != nil {
		t.Fatal(err)
	}
	ds, err := voc.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := voc.Check(ds, voc.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors() != 0 || rep.Summary.Labelled != 12 || rep.Summary.Unlabelled != 2 || rep.Summary.Boxes < 12 {
		t.Fatalf("%d errors, summary %+v, issues %v", rep.Errors(), rep.Summary, rep.Issues)
	}
}
