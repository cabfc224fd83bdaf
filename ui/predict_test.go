package ui

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

// Export lists the runs' checkpoints, exports the chosen one and hands the
// ONNX file to Predict.
func TestExportScreen(t *testing.T) {
	test.NewTempApp(t)
	root := t.TempDir()
	for _, run := range []string{"train-1", "train-2"} {
		os.MkdirAll(filepath.Join(root, "runs", run, "weights"), 0o755)
		os.WriteFile(filepath.Join(root, "runs", run, "weights", "best.safetensors"), nil, 0o644)
	}
	var asked, handed string
	s := NewExportScreen(func(w string) (string, string, error) {
		asked = w
		return "m.onnx", "m.onnx (mobilenetv2, 3 classes)", nil
	})
	s.background = func(f func()) { f() }
	s.OnExported = func(p string) { handed = p }
	s.SetDataset(root)
	if len(s.pick.Options) != 2 || !strings.Contains(s.pick.Selected, "train-2") {
		t.Fatalf("options %v, selected %q", s.pick.Options, s.pick.Selected)
	}
	test.Tap(s.btn)
	if !strings.Contains(asked, "train-2") || handed != "m.onnx" || !strings.Contains(s.result.Text, "Verified") {
		t.Fatalf("asked %q handed %q result %q", asked, handed, s.result.Text)
	}
	// another folder with no runs: nothing of the last one stays, and
	// the button cannot export the last folder's checkpoint
	s.SetDataset(t.TempDir())
	if s.pick.Selected != "" || len(s.pick.Options) != 0 || s.result.Text != "" || !s.btn.Disabled() {
		t.Fatalf("after opening another folder: selected %q, options %v, result %q, button enabled %v",
			s.pick.Selected, s.pick.Options, s.result.Text, !s.btn.Disabled())
	}
}

// Predict runs the network once per picture; the sliders re-filter the
// candidates without running it again, and results save as JPEG + JSON.
func TestPredictSlidersRefilter(t *testing.T) {
	a := test.NewTempApp(t)
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(1))
	mp := shapesModel(t, t.TempDir())
	s := NewPredictScreen(a.NewWindow("t"))
	s.background = func(f func()) { f() }
	s.SetDataset(root)
	s.SetModel(mp)
	s.Show(filepath.Join(root, "JPEGImages", "shapes-00000.jpg"))
	if s.classes == nil || len(s.cands) == 0 {
		t.Fatalf("no candidates: %s", s.status.Text)
	}
	s.conf.SetValue(0.9)
	high := len(s.shown)
	s.conf.SetValue(0.05)
	low := len(s.shown)
	s.nms.SetValue(1)
	none := len(s.shown)
	if !(high <= low && low <= none && none > high) {
		t.Fatalf("detections at conf .9: %d, .05: %d, .05 without NMS: %d", high, low, none)
	}
	if !strings.Contains(s.list.Text, "detections") {
		t.Fatalf("list %q", s.list.Text)
	}
	s.save()
	for _, f := range []string{"shapes-00000.jpg", "detections.jsonl"} {
		if _, err := os.Stat(filepath.Join(s.lastSave, f)); err != nil {
			t.Fatalf("%s not saved: %s", f, s.status.Text)
		}
	}
	// several dropped: the first shows, Next and Prev step through them
	s.Show(filepath.Join(root, "JPEGImages", "shapes-00000.jpg"), filepath.Join(root, "nope.jpg"))
	if !s.nav.Visible() || s.navL.Text != "1 of 2" {
		t.Fatalf("nav %v %q", s.nav.Visible(), s.navL.Text)
	}
	s.step(1)
	if s.navL.Text != "2 of 2" {
		t.Fatalf("after Next: %q", s.navL.Text)
	}
	if !strings.Contains(s.status.Text, "nope.jpg") {
		t.Fatalf("a missing picture: %q", s.status.Text)
	}
}

// Ctrl+P adds the model's detections to the open image as one undoable,
// unverified edit.
func TestPrelabelCurrentImage(t *testing.T) {
	w, root := openShapes(t)
	w.Label.background = func(f func()) { f() }
	w.Predict.background = w.Label.background
	mp := shapesModel(t, root)
	waitFor(t, "an image", func() bool { return w.Label.doc != nil })
	before := len(w.Label.doc.Objects())
	w.Predict.SetModel(mp)
	w.Label.prelabel()
	after := len(w.Label.doc.Objects())
	if after <= before || w.Label.doc.Verified() || !strings.Contains(w.Label.status.Text, "Pre-labelled") {
		t.Fatalf("boxes %d -> %d, verified %v, status %q", before, after, w.Label.doc.Verified(), w.Label.status.Text)
	}
	w.Label.doc.Undo()
	if len(w.Label.doc.Objects()) != before {
		t.Fatal("one undo should remove the pre-labelled boxes")
	}
}

// The Dataset tab lists findings; clicking one opens its image.
func TestDatasetFindingOpensImage(t *testing.T) {
	w, root := openShapes(t)
	waitFor(t, "the report", func() bool { return w.Label.report != nil })
	bad := filepath.Join(root, "Annotations", "shapes-00003.xml")
	os.WriteFile(bad, []byte("<annotation><object><name>circle</name>"), 0o644)
	w.Open(root)
	waitFor(t, "the new report", func() bool { return w.Label.report != nil && len(w.Dataset.list) > 0 })
	if len(w.Dataset.classes.Labels) == 0 || len(w.Dataset.sizes.Labels) == 0 {
		t.Fatal("no bar charts")
	}
	if !strings.Contains(w.Dataset.findings.Text, "(click one") {
		t.Fatalf("findings title %q", w.Dataset.findings.Text)
	}
	idx := -1
	for i, is := range w.Dataset.list {
		if is.File == bad {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("no finding for %s in %+v", bad, w.Dataset.list)
	}
	w.Dataset.issues.Select(idx)
	waitFor(t, "the image to open", func() bool { return w.Label.cur >= 0 && w.Label.ds.Items[w.Label.cur].XML == bad })
}

// The model and thresholds are reported for the app to keep, and restore.
func TestPredictSettings(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewPredictScreen(a.NewWindow("t"))
	var model string
	var conf, nms float64
	var threads int
	s.OnSettings = func(m string, c, n float64, th int) { model, conf, nms, threads = m, c, n, th }
	x := filepath.Join(t.TempDir(), "x.onnx")
	os.WriteFile(x, []byte("model"), 0o644)
	s.SetModel(x)
	s.conf.SetValue(0.25)
	s.nms.SetValue(0.45)
	s.threads.SetSelected("1")
	if model != x || conf != 0.25 || nms != 0.45 || threads != 1 {
		t.Fatalf("%q %v %v %d", model, conf, nms, threads)
	}
	s2 := NewPredictScreen(a.NewWindow("u"))
	s2.Restore(model, conf, nms, threads)
	if s2.model.Text != x || s2.conf.Value != 0.25 || s2.nms.Value != 0.45 || s2.threadCount() != 1 {
		t.Fatalf("restored %q %v %v %d", s2.model.Text, s2.conf.Value, s2.nms.Value, s2.threadCount())
	}
	// a model deleted since is not restored: the VOC detector's button shows
	os.Remove(x)
	s3 := NewPredictScreen(a.NewWindow("v"))
	s3.Restore(model, conf, nms, threads)
	if s3.model.Text != "" {
		t.Fatalf("restored the deleted model %q", s3.model.Text)
	}
}

// shapesModel writes a fixture-weight MobileNetV3 at 160 for the generated
// shapes' classes into dir.
func shapesModel(t *testing.T, dir string) string {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV3, NumClasses: 3, InputSize: 160})
	data, err := onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Classes: synth.Classes, Anchors: model.DefaultAnchors})
	if err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(mp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return mp
}

// A broken model is the model's fault, not the picture's: the list says
// so instead of "photo.jpg could not be read".
func TestPredictBlamesABrokenModel(t *testing.T) {
	a := test.NewTempApp(t)
	root := filepath.Join(t.TempDir(), "d")
	synth.Generate(root, synth.Default(2))
	data, err := os.ReadFile(shapesModel(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.onnx")
	os.WriteFile(cut, data[:len(data)/3], 0o644) // a download that stopped
	s := NewPredictScreen(a.NewWindow("t"))
	s.background = func(f func()) { f() }
	s.SetDataset(root)
	s.SetModel(cut)
	s.Show(filepath.Join(root, "JPEGImages", "shapes-00000.jpg"))
	if !strings.Contains(s.list.Text, "model could not be opened") || strings.Contains(s.list.Text, "could not be read") {
		t.Fatalf("list %q, status %q", s.list.Text, s.status.Text)
	}
}

// The Predict tab draws tags in picture pixels on a copy about 1000
// pixels long, whatever the picture's size.
func TestDisplayCopySize(t *testing.T) {
	for _, c := range []struct{ w, h, long int }{
		{160, 120, 1000}, {4000, 3000, 1000}, {1920, 1080, 1000}, {1200, 900, 1200}, {1000, 10, 1000}, {6000, 1, 1000},
	} {
		got := displayCopy(image.NewRGBA(image.Rect(0, 0, c.w, c.h))).Bounds()
		if long := max(got.Dx(), got.Dy()); long != c.long || got.Dy() < 1 {
			t.Errorf("%dx%d: display copy %v, want a long side of %d", c.w, c.h, got, c.long)
		}
	}
}
