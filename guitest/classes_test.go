//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The class panel: Add writes classes.txt at once; Rename renames in
// classes.txt and in every annotation, after asking.
func TestClassPanel(t *testing.T) {
	a, dir, photos := openFolder(t, 2)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")

	a.Click("Add")
	a.WaitText("Add class", 3*time.Second)
	a.Type("raccoon") // the name field has the focus
	a.Key("Return")
	a.WaitText("0 raccoon (0)", 3*time.Second)
	if b, _ := os.ReadFile(filepath.Join(dir, "classes.txt")); strings.TrimSpace(string(b)) != "raccoon" {
		t.Fatalf("classes.txt after Add: %q", b)
	}
	// the new class is offered in the picker: a prefix and Down complete it
	drawBoxKeys(a, ed, 0.2, 0.2, 0.5, 0.5, "racc", "Down")
	an := a.saved(xmlFor(dir, photos[0]))
	if len(an.Objects) != 1 || an.Objects[0].Name != "raccoon" {
		t.Fatalf("drawn: %+v", an.Objects)
	}

	// Enter takes what is typed: a prefix of an existing class is a new class
	drawBox(a, ed, 0.6, 0.6, 0.8, 0.8, "rac")
	if an = a.saved(xmlFor(dir, photos[0])); len(an.Objects) != 2 || an.Objects[1].Name != "rac" {
		t.Fatalf("a new class that is a prefix of another: %+v", an.Objects)
	}
	a.WaitText("1 rac (1)", 3*time.Second)

	a.Click("0 raccoon (1)")
	a.Click("Rename")
	a.WaitText("Rename class", 3*time.Second)
	a.Type("procyon") // replaces the selected old name
	a.Click("OK")
	a.WaitText("Rename \"raccoon\" to \"procyon\"*", 3*time.Second)
	a.Shot("rename-confirm")
	a.Click("Yes")
	a.WaitText("0 procyon (1)", 5*time.Second)
	if got := xmlBoxes(t, xmlFor(dir, photos[0])); len(got) != 2 || got[0].Name != "procyon" || got[1].Name != "rac" {
		t.Fatalf("XML after rename: %+v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "classes.txt")); strings.TrimSpace(string(b)) != "procyon\nrac" {
		t.Fatalf("classes.txt after Rename: %q", b)
	}
}
