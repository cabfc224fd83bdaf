package usecase

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

// A split list is read in id order, its ids without a labelled picture
// counted; without a list every labelled picture is taken.
func TestEvalItems(t *testing.T) {
	ds := unlabelled(t, 1)
	set := EvalItems(ds, "test")
	if set.Listed || len(set.Items) != 2 {
		t.Fatalf("no list: %+v", set)
	}
	dir := filepath.Join(ds.Root, "ImageSets", "Main")
	os.MkdirAll(dir, 0o755)
	ids := []string{set.Items[1].ID, "gone", set.Items[0].ID}
	os.WriteFile(filepath.Join(dir, "test.txt"), []byte(strings.Join(ids, "\n")+"\n"), 0o644)
	set = EvalItems(ds, "test")
	if !set.Listed || set.Missing != 1 || len(set.Items) != 2 || set.Items[0].ID > set.Items[1].ID {
		t.Fatalf("list: %+v", set)
	}
}

// Evaluate scores every picture, fails an unreadable one by name while
// the rest go on, counts the boxes of classes the model does not know,
// reports progress, and stops when cancelled without metrics.
func TestEvaluate(t *testing.T) {
	det, ds := fixtureDetector(t), labelled(t, 4)
	items := ds.Items
	data, _ := os.ReadFile(items[1].Image)
	os.WriteFile(items[1].Image, data[:len(data)/4], 0o644)
	a, err := voc.LoadAnnotation(items[2].XML)
	if err != nil {
		t.Fatal(err)
	}
	a.Objects = append(a.Objects, voc.Object{Name: "raccoon", Box: voc.Box{Xmin: 1, Ymin: 1, Xmax: 30, Ymax: 30}})
	if err := voc.SaveAnnotation(items[2].XML, a); err != nil {
		t.Fatal(err)
	}
	var seen []int
	r := Evaluate(context.Background(), det, items, EvalOptions{Thresholds: detect.MAPThresholds, Display: 0.5, Workers: 2},
		func(done, total int) { seen = append(seen, done) })
	if len(r.Failed) != 1 || r.Failed[0].Path != items[1].Image || !strings.Contains(r.Failed[0].Error(), items[1].Image) {
		t.Fatalf("failures %v", r.Failed)
	}
	if r.Unknown["raccoon"] != 1 || len(r.Unknown) != 1 {
		t.Fatalf("unknown classes %v", r.Unknown)
	}
	if len(seen) != len(items) || seen[len(seen)-1] != len(items) || r.Metrics.Images != len(items) || len(r.Images) != len(items) {
		t.Fatalf("progress %v, %d images scored", seen, r.Metrics.Images)
	}
	if len(r.Images[0].Truth) == 0 || r.Images[0].Net <= 0 || r.Model.Path != det.Info.Path {
		t.Fatalf("first picture %+v, model %s", r.Images[0], r.Model.Path)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = Evaluate(ctx, det, ds.Items, EvalOptions{Thresholds: detect.MAPThresholds, Workers: 1}, nil)
	if !r.Cancelled || r.Metrics.Images != 0 {
		t.Fatalf("cancelled: %+v", r.Metrics)
	}
}

// CompareModels puts the models side by side on the dataset's labelled
// pictures, saying there is no test list; a dataset without labels is
// refused by name.
func TestCompareModels(t *testing.T) {
	det := fixtureDetector(t)
	ds := labelled(t, 2)
	c, err := CompareModels(context.Background(), ds.Root, []string{det.Info.Path, det.Info.Path}, nil)
	if err != nil || len(c.Models) != 2 || c.Split != "all labelled" {
		t.Fatalf("%v %+v", err, c)
	}
	table := c.Table()
	if !strings.Contains(table, "2 images (all labelled)") || strings.Count(table, "fixture.onnx (float)") != 2 || !strings.Contains(table, "network ms") {
		t.Fatalf("table:\n%s", table)
	}
	empty := t.TempDir()
	if _, err := CompareModels(context.Background(), empty, []string{det.Info.Path}, nil); err == nil || !strings.Contains(err.Error(), empty) {
		t.Fatalf("no pictures: %v", err)
	}
}

// labelled is a dataset of n labelled pictures of the demo shapes.
func labelled(t *testing.T, n int) *voc.Dataset {
	t.Helper()
	root := filepath.Join(t.TempDir(), "data")
	if err := synth.Generate(root, synth.Default(n)); err != nil {
		t.Fatal(err)
	}
	ds, err := voc.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
