package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A replaced file has the new content and keeps the user's permissions.
func TestWriteFileReplacesKeepingMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.xml")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if err != nil || string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v, mode %v", b, err, fi.Mode().Perm())
	}
}

// A fill that fails leaves the old file as it was and no temporary file,
// and the error names the file.
func TestWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk gone")
	err := Write(p, 0o644, func(w io.Writer) error {
		if _, err := w.Write([]byte("half")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v, want %v naming %s", err, boom, p)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("old file now %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files left in the folder, want 1", len(ents))
	}
}

// A folder that does not exist is an error naming the file, not a panic.
func TestWriteFileMissingFolder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "file")
	if err := WriteFile(p, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v", err)
	}
}

// A writer killed between creating its temporary and renaming it leaves
// the temporary behind; RemoveStale takes those, and only those, once
// they are older than any write.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	files := map[string]bool{ // name: removed
		".a.xml.tmp-1234": true,  // left by a killed write an hour ago
		".b.xml.tmp-5678": false, // a write under way (fresh)
		".notes":          false, // the user's own hidden file
		"a.xml":           false,
		"c.xml.tmp-9":     false, // not ours: ours start with a dot
	}
	for name, stale := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if stale || name != ".b.xml.tmp-5678" {
			os.Chtimes(p, old, old)
		}
	}
	os.Mkdir(filepath.Join(dir, ".d.tmp-1"), 0o755) // a folder is never ours
	os.Chtimes(filepath.Join(dir, ".d.tmp-1"), old, old)

	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	removed := RemoveStale(dir, names)
	if len(removed) != 1 || filepath.Base(removed[0]) != ".a.xml.tmp-1234" {
		t.Fatalf("removed %v, want only .a.xml.tmp-1234", removed)
	}
	for name, stale := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone != stale {
			t.Errorf("%s: removed %v, want %v", name, gone, stale)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".d.tmp-1")); err != nil {
		t.Errorf("a folder was removed: %v", err)
	}
}
