package usecase

import (
	"errors"
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
	src := "/photos/IMG_0001.Photo.png"
	p, err := SaveAnnotated(dir, resultNames([]string{src})[0], src, img)
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
	if _, err := SaveAnnotated(missing, "a.jpg", "a.jpg", img); err == nil || !strings.Contains(err.Error(), filepath.Join(missing, "a.jpg")) {
		t.Fatalf("error %v", err)
	}
}

// Pictures with one name from two folders, or two formats, get copies of
// their own: the second overwrote the first.
func TestResultNamesDoNotCollide(t *testing.T) {
	got := resultNames([]string{"mix/a.jpg", "dup/a.jpg", "a.png", "b.JPG", "B.jpeg", "a-2.jpg"})
	want := []string{"a.jpg", "a-2.jpg", "a-3.jpg", "b.jpg", "B-2.jpg", "a-2-2.jpg"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("names %v, want %v", got, want)
	}
}

// A failure names its file once, whether or not the error did already.
func TestFileErrorNamesTheFileOnce(t *testing.T) {
	for _, c := range []struct {
		err  FileError
		want string
	}{
		{FileError{"mix/l.jpg", errors.New("mix/l.jpg: corrupt JPEG")}, "mix/l.jpg: corrupt JPEG"},
		{FileError{"mix/l.jpg", errors.New("model.onnx: output 0 has shape [1]")}, "mix/l.jpg: model.onnx: output 0 has shape [1]"},
		{FileError{"", errors.New("boom")}, "boom"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}
