//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/voc"
)

// Pictures copied into the open folder appear in the list, removed ones
// go, a picture rewritten by another program is shown anew, and picking
// the open folder again from Recent looks at it again.
func TestFolderChanges(t *testing.T) {
	a, dir, photos := openFolder(t, 3)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")

	// a camera's import adds two photos
	src := t.TempDir()
	added := PhotoFolder(t, src, 5)[3:]
	for _, p := range added {
		copyFile(t, filepath.Join(src, p.Name), filepath.Join(dir, p.Name))
	}
	for _, p := range added {
		a.WaitText(p.Name+"*", 5*time.Second)
	}
	a.Shot("added")
	// the new ones are reachable with D, and show their own pictures
	a.Click(added[0].Name + "*")
	a.WaitColor(ed, added[0].Color, 40, 3*time.Second, "a copied-in photo")

	// another program rewrites the shown picture (an editor's save)
	repl := photos[1]
	repl.Name = added[0].Name
	writePhoto(t, filepath.Join(dir, added[0].Name+".new.png"), repl)
	os.Rename(filepath.Join(dir, added[0].Name+".new.png"), filepath.Join(dir, added[0].Name))
	a.WaitColor(ed, repl.Color, 40, 5*time.Second, "the rewritten picture")

	// a removed photo leaves the list
	os.Remove(filepath.Join(dir, photos[2].Name))
	a.WaitGone(photos[2].Name+"*", 5*time.Second)

	// Recent: picking the open folder looks at it again
	a.Click("Recent folders")
	a.Click(dir)
	a.WaitText(photos[0].Name+"*", 3*time.Second)
	if a.Exited() {
		t.Fatal("the app exited")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Photos in JPEGImages/ and nothing labelled yet, as people lay out a set
// before labelling: the window lists them, and the first box saved makes
// Annotations/ with its XML (before: "flat, 0 items").
func TestUnlabelledJPEGImages(t *testing.T) {
	root := filepath.Join(t.TempDir(), "set")
	photos := PhotoFolder(t, filepath.Join(root, "JPEGImages"), 2)
	a := Start(t, root)
	a.WaitText(photos[0].Name+"*", 20*time.Second)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
	box := drawBox(a, ed, 0.3, 0.3, 0.6, 0.7, "fox")
	waitBox(a, box, photos[0].Color, true, "drawn box")
	xml := filepath.Join(root, "Annotations", strings.TrimSuffix(photos[0].Name, filepath.Ext(photos[0].Name))+".xml")
	a.Key("ctrl+s")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if an, err := voc.LoadAnnotation(xml); err == nil && len(an.Objects) == 1 && an.Objects[0].Name == "fox" {
			break
		}
		if time.Now().After(deadline) {
			a.Shot("not-saved")
			t.Fatalf("Ctrl+S did not write %s with the fox", xml)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
