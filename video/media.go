package video

import (
	"path/filepath"

	"github.com/labelloop/labelloop/voc"
)

// ListMedia lists a folder's pictures, and its videos when asked, in
// name order; hidden files and sub-folders are left out.
func ListMedia(dir string, videos bool) ([]string, error) {
	names, err := voc.ListFiles(dir, func(n string) bool {
		return voc.ExtFormat(filepath.Ext(n)) != "" || videos && IsVideoPath(n)
	})
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, err
}
