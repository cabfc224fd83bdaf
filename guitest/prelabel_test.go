//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
)

// writeModel writes a small detector (MobileNetV3 at 160, the reference
// fixture's formula weights: it finds many boxes everywhere) for classes.
func writeModel(t *testing.T, dir string, classes []string) string {
	t.Helper()
	g, err := model.Build(model.Config{Backbone: model.MobileNetV3, NumClasses: len(classes), InputSize: 160})
	if err != nil {
		t.Fatal(err)
	}
	data, err := onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Classes: classes, Anchors: model.DefaultAnchors})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "shapes.onnx")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// setModel types a model's path into the Predict tab, as a person pastes it.
func setModel(a *App, path string) {
	a.t.Helper()
	a.Click("Predict")
	a.Click("an .onnx model (Export makes one)")
	a.Type(path)
	a.Key("Return")
}

// startWithModel opens a folder of photos with a model chosen in the
// Predict tab, back on the Label tab.
func startWithModel(t *testing.T, n int) (*App, string, []Photo) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "photos")
	photos := PhotoFolder(t, dir, n)
	mp := writeModel(t, t.TempDir(), []string{"circle", "square", "triangle"})
	a := Start(t, dir)
	a.WaitText(photos[0].Name+"*", 20*time.Second)
	setModel(a, mp)
	a.Click("Label")
	a.WaitColor(a.Editor(), photos[0].Color, 40, 5*time.Second, "first picture")
	return a, dir, photos
}

// Ctrl+P pre-labels the open image as one undo step, marked for review.
func TestPrelabelOne(t *testing.T) {
	a, dir, photos := startWithModel(t, 2)
	a.Key("ctrl+p")
	a.WaitText("Pre-labelled by shapes.onnx: * boxes to review*", 30*time.Second)
	a.Shot("one")
	a.Key("ctrl+s")
	an := loadXML(t, xmlFor(dir, photos[0]))
	if len(an.Objects) == 0 || an.Prelabelled != "shapes.onnx" || an.Verified {
		t.Fatalf("saved after Ctrl+P: %d boxes, prelabelled %q, verified %v", len(an.Objects), an.Prelabelled, an.Verified)
	}
	a.WaitText(photos[0].Name+"   pre-labelled", 5*time.Second)
	a.Key("ctrl+z")
	a.WaitText("*— 0 boxes*", 5*time.Second)
}

// Pre-labelling all unlabelled images from the toolbar's menu: the window
// survives the end of the run, the files are written and listed as
// pre-labelled, the filter finds them, and verifying one clears its mark.
func TestPrelabelAll(t *testing.T) {
	a, dir, photos := startWithModel(t, 4)
	a.Click("Pre-label…")
	a.Click("All unlabelled images")
	a.WaitText("*on 4 images with no annotation*", 5*time.Second) // it asks first: Ctrl+Z cannot take it back
	a.Shot("confirm")
	a.Click("Yes")
	a.WaitText("Pre-labelled * images with * boxes*", 60*time.Second)
	time.Sleep(500 * time.Millisecond)
	if a.Exited() {
		t.Fatalf("the app exited after pre-labelling all; log:\n%s", a.Log())
	}
	a.Shot("all")
	a.Click("OK")
	for _, p := range photos {
		an := loadXML(t, xmlFor(dir, p))
		if len(an.Objects) == 0 || an.Prelabelled == "" {
			t.Errorf("%s: %d boxes, prelabelled %q", p.Name, len(an.Objects), an.Prelabelled)
		}
	}
	for _, p := range photos {
		a.WaitText(p.Name+"   pre-labelled", 10*time.Second)
	}
	// review the first: Space verifies it, the mark goes, D saves it
	a.Click(photos[0].Name + "*")
	a.WaitColor(a.Editor(), photos[0].Color, 40, 5*time.Second, "first picture")
	a.Key("space")
	a.Key("d")
	a.WaitText(photos[0].Name+"   verified", 5*time.Second)
	an := loadXML(t, xmlFor(dir, photos[0]))
	if !an.Verified || an.Prelabelled != "" {
		t.Fatalf("after Space and D: verified %v, prelabelled %q", an.Verified, an.Prelabelled)
	}
	// the filter shows the three left to review
	a.Click("All")
	a.Click("Pre-labelled")
	a.WaitGone(photos[0].Name+"*", 5*time.Second)
	a.WaitText(photos[3].Name+"*", 5*time.Second)
	a.Shot("filter")
	// the mark survives a restart
	a.Quit()
	b := StartHome(t, a.Home, dir)
	b.WaitText(photos[2].Name+"   pre-labelled", 20*time.Second)
}

// Detections on a small picture: the tags are drawn at screen size, not
// blown up with the picture (a screenshot for a person to look at).
func TestPredictSmallPicture(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	photos := PhotoFolder(t, dir, 1, [2]int{160, 120})
	mp := writeModel(t, t.TempDir(), []string{"circle", "square", "triangle"})
	a := Start(t, dir)
	a.WaitText(photos[0].Name+"*", 20*time.Second)
	setModel(a, mp)
	a.Click("Open…")
	a.WaitText("Pictures and videos to predict on", 5*time.Second)
	a.Click("[ ] " + photos[0].Name)
	a.Shot("picker")
	a.Click("Open 1 file")
	a.WaitText("* detections", 30*time.Second)
	a.Shot("small-picture")
}
