//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The labeller's keys belong to the Label tab. On another tab a new user
// pressed Del and D: a box nobody saw was deleted and saved, and the
// picture changed behind the tab. An undone box leaves no annotation (the
// picture would become a background sample); the Dataset tab counts what
// was saved; a folder picked from Recent folders takes D at once.
func TestKeysStayOnTheLabelTab(t *testing.T) {
	a, dir, photos := openFolder(t, 3)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
	box := drawBox(a, ed, 0.3, 0.3, 0.6, 0.7, "cat")
	waitBox(a, box, photos[0].Color, true, "drawn box")
	if got := a.saved(xmlFor(dir, photos[0])).Objects; len(got) != 1 {
		t.Fatalf("after Ctrl+S the XML has %v", got)
	}

	// the saved boxes show in the Dataset tab's counts, also a second
	// one saved into the annotation that was already there
	a.Click("Dataset")
	a.WaitText("*1 labelled*1 box in 1 class*", 5*time.Second)
	a.Click("Label")
	drawBox(a, ed, 0.7, 0.1, 0.9, 0.3, "dog")
	if got := a.saved(xmlFor(dir, photos[0])).Objects; len(got) != 2 {
		t.Fatalf("after the second Ctrl+S the XML has %v", got)
	}
	a.Click("Dataset")
	a.WaitText("*1 labelled*2 boxes in 2 classes*", 5*time.Second)
	a.Shot("dataset-after-save")

	for _, tab := range []string{"Export", "Train", "Predict"} {
		a.Click(tab)
		time.Sleep(200 * time.Millisecond)
		for _, k := range []string{"Delete", "d", "space", "ctrl+z"} {
			a.Key(k)
		}
		time.Sleep(300 * time.Millisecond)
	}
	a.Click("Label")
	a.WaitColor(ed, photos[0].Color, 40, 3*time.Second, "the picture after keys on other tabs")
	if e, ok := a.Find("*(edited)*"); ok {
		a.Shot("edited-from-other-tabs")
		t.Fatalf("keys on other tabs edited the picture: %q", e.Text)
	}
	if got := loadXML(t, xmlFor(dir, photos[0])); len(got.Objects) != 2 || got.Verified {
		t.Fatalf("keys on other tabs changed the saved annotation: %d boxes, verified %v", len(got.Objects), got.Verified)
	}
	a.Shot("label-after-other-tabs")

	// a box drawn and undone, and Space twice, on an unlabelled picture:
	// nothing to save
	a.Key("d")
	a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "D")
	drawBox(a, ed, 0.2, 0.2, 0.5, 0.5, "cat")
	a.Key("ctrl+z")
	a.Key("space")
	a.Key("space")
	a.Key("d")
	a.WaitColor(ed, photos[2].Color, 40, 3*time.Second, "D after the undo")
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(xmlFor(dir, photos[1])); err == nil {
		t.Fatalf("drawing and undoing a box, and Space twice, wrote %s", xmlFor(dir, photos[1]))
	}

	// Recent folders (the same folder, looked at again): A steps at once
	a.Click("Recent folders")
	a.Click(dir)
	time.Sleep(300 * time.Millisecond)
	a.Key("a")
	a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "A after Recent folders")

	// Ctrl+O is the window's, from any tab; a typed folder opens with
	// Enter on it (a second Enter had done nothing)
	other := filepath.Join(t.TempDir(), "other")
	more := PhotoFolder(t, other, 2)
	a.Click("Export")
	a.Key("ctrl+o")
	a.WaitText("Open this folder", 5*time.Second)
	a.Type(other) // the path field has the keys, its text selected
	a.Key("Return")
	a.Key("Return")
	a.WaitText(other+"  (flat, 2 items)", 5*time.Second)
	a.Click("Label")
	a.WaitColor(ed, more[0].Color, 40, 5*time.Second, "the folder opened with Enter")
}

// A click on a finding of the Dataset tab opens its picture in the Label
// tab, where the keys work at once (the hidden findings list kept them:
// D did nothing, Space jumped back to the finding).
func TestDatasetFindingGivesKeysBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	photos := PhotoFolder(t, dir, 3)
	fake := Photo{Name: "photo_004.png", Color: palette[3], W: 640, H: 480}
	writePhoto(t, filepath.Join(dir, fake.Name), fake)
	// a PNG named .jpg: the check warns about it
	if err := os.Rename(filepath.Join(dir, fake.Name), filepath.Join(dir, "photo_004.jpg")); err != nil {
		t.Fatal(err)
	}
	a := Start(t, dir)
	a.WaitText(photos[0].Name+"*", 20*time.Second)
	ed := a.Editor()
	a.Click("Dataset")
	a.Click("*photo_004.jpg*")
	a.WaitColor(ed, fake.Color, 40, 5*time.Second, "the finding's picture")
	a.Key("a")
	a.WaitColor(ed, photos[2].Color, 40, 3*time.Second, "A after a click on a finding")
}

// Ctrl+Q asks about unsaved changes, then quits.
func TestCtrlQQuits(t *testing.T) {
	a, _, photos := openFolder(t, 2)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
	drawBox(a, ed, 0.3, 0.3, 0.6, 0.6, "cat")
	a.Key("ctrl+q")
	a.WaitText("Close without saving", 5*time.Second)
	a.Shot("unsaved")
	a.Click("Close without saving")
	deadline := time.Now().Add(5 * time.Second)
	for !a.Exited() {
		if time.Now().After(deadline) {
			a.Shot("still-running")
			t.Fatal("the app still runs after Ctrl+Q and Close without saving")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
