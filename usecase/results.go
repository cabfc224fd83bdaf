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

// SaveAnnotated writes a picture with its boxes drawn into dir as
// NAME.jpg, after the source's name, whole or not at all, and returns the
// path. JPEG at quality 90 for the window's "Save results" and labelloop
// predict alike (the window wrote PNG): the sources are mostly camera
// JPEGs, whose PNG copies run 5-10x larger and slower to write for no
// visible gain in the boxes, and Ultralytics' predict saves .jpg too.
func SaveAnnotated(dir, source string, img image.Image) (string, error) {
	name := strings.TrimSuffix(filepath.Base(source), filepath.Ext(source)) + ".jpg"
	path := filepath.Join(dir, name)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return path, fmt.Errorf("%s: encoding %s: %w", source, path, err)
	}
	return path, atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
