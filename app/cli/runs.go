package cli

import (
	"fmt"
	"os"
	"path/filepath"
)

// nextRunDir makes runs/NAME-N with the first free N, as users know from
// Ultralytics' runs/ folders.
func nextRunDir(project, name string) (string, error) {
	if err := os.MkdirAll(project, 0o755); err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		dir := filepath.Join(project, fmt.Sprintf("%s-%d", name, n))
		if err := os.Mkdir(dir, 0o755); err == nil {
			return dir, nil
		} else if !os.IsExist(err) {
			return "", err
		}
	}
}
