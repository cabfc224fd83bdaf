package inference

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/voc"
)

// ListMedia lists a folder's pictures, and its videos when asked, in
// name order; hidden files and sub-folders are left out.
func ListMedia(dir string, videos bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if voc.ExtFormat(filepath.Ext(n)) != "" || videos && IsVideoPath(n) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}
