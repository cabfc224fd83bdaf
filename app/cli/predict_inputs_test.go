package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A picture named and also found through its folder is predicted once.
func TestPredictInputsOnce(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"x.jpg", "y.png"} {
		os.WriteFile(filepath.Join(dir, n), []byte("picture"), 0o644)
	}
	images, _, err := predictInputs([]string{filepath.Join(dir, "x.jpg"), dir, dir + "/./y.png"})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 2 || filepath.Base(images[0]) != "x.jpg" || filepath.Base(images[1]) != "y.png" {
		t.Fatalf("inputs %s", strings.Join(images, ", "))
	}
}
