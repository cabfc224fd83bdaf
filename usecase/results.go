package usecase

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"path/filepath"
	"strings"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// SaveAnnotated writes a picture with its boxes drawn into dir as name,
// whole or not at all, and returns the path. JPEG at quality 90 for the
// window's "Save results" and labelloop predict alike (the window wrote
// PNG): the sources are mostly camera JPEGs, whose PNG copies run 5-10x
// larger and slower to write for no visible gain in the boxes, and
// Ultralytics' predict saves .jpg too.
func SaveAnnotated(dir, name, source string, img image.Image) (string, error) {
	path := filepath.Join(dir, name)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return path, fmt.Errorf("%s: encoding %s: %w", source, path, err)
	}
	return path, atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

// resultNames names the annotated copies of pictures: NAME.jpg after each
// source, NAME-2.jpg and on when two sources share a name (a/x.jpg and
// b/x.jpg, or x.jpg and x.png), so that no copy overwrites another.
func resultNames(sources []string) []string {
	names := make([]string, len(sources))
	used := map[string]bool{}
	for i, src := range sources {
		stem := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
		name := stem + ".jpg"
		for k := 2; used[strings.ToLower(name)]; k++ {
			name = fmt.Sprintf("%s-%d.jpg", stem, k)
		}
		used[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}
