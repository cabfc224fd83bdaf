package app

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestAddRecent(t *testing.T) {
	got := AddRecent([]string{"/a", "/b", "/c"}, "/b", 3)
	if !reflect.DeepEqual(got, []string{"/b", "/a", "/c"}) {
		t.Fatal(got)
	}
	got = AddRecent([]string{"/a", "/b", "/c"}, "/d", 3)
	if !reflect.DeepEqual(got, []string{"/d", "/a", "/b"}) {
		t.Fatal(got)
	}
	wd, _ := os.Getwd()
	if got = AddRecent(nil, "demo", 3); got[0] != filepath.Join(wd, "demo") {
		t.Fatalf("a relative folder is kept as %q", got[0])
	}
}

// Folders gone since, or kept relative by an older version, are not
// offered.
func TestExistingFolders(t *testing.T) {
	here := t.TempDir()
	got := ExistingFolders([]string{here, filepath.Join(here, "gone"), "demo", here + "/"})
	if !reflect.DeepEqual(got, []string{here, here + "/"}) {
		t.Fatal(got)
	}
}
