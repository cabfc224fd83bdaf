//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
