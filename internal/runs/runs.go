// Package runs makes the numbered output folders users know from
// Ultralytics: runs/train-1, runs/predict-2, ...
package runs

import (
	"fmt"
	"os"
	"path/filepath"
)

// Next creates PROJECT/NAME-N with the first free N and returns it.
func Next(project, name string) (string, error) {
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
