package runs

import (
	"path/filepath"
	"testing"
)

func TestNextNumbers(t *testing.T) {
	p := t.TempDir()
	for i := 1; i <= 3; i++ {
		dir, err := Next(p, "predict")
		if err != nil || dir != filepath.Join(p, "predict-"+string(rune('0'+i))) {
			t.Fatalf("%d: %s %v", i, dir, err)
		}
	}
}
