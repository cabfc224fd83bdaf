package usecase

import (
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The result file is a JPEG named after the source, decodable at the
// picture's size; a folder that is not there is an error naming the file.
func TestSaveAnnotated(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(10, 10, color.RGBA{255, 0, 0, 255})
	dir := t.TempDir()
	p, err := SaveAnnotated(dir, "/photos/IMG_0001.Photo.png", img)
	if err != nil || p != filepath.Join(dir, "IMG_0001.Photo.jpg") {
		t.Fatalf("%s %v", p, err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := jpeg.Decode(f)
	if err != nil || got.Bounds() != img.Bounds() {
		t.Fatalf("%v %v", got.Bounds(), err)
	}
	missing := filepath.Join(dir, "no", "such")
	if _, err := SaveAnnotated(missing, "a.jpg", img); err == nil || !strings.Contains(err.Error(), filepath.Join(missing, "a.jpg")) {
		t.Fatalf("error %v", err)
	}
}
