package voc

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

func TestReadImageInfo(t *testing.T) {
	dir := t.TempDir()
	jpg := jpegBytes(t, 40, 30)
	var bmpBuf strings.Builder
	m := image.NewRGBA(image.Rect(0, 0, 5, 7))
	m.Set(1, 1, color.White)
	bmp.Encode(&bmpBuf, m)
	cases := []struct {
		name string
		data []byte
		want ImageInfo
		err  string
	}{
		{"a.jpg", jpg, ImageInfo{Format: "jpeg", Width: 40, Height: 30, Channels: 3, Orientation: 1}, ""},
		{"rot.jpg", withExif(jpg, 6), ImageInfo{Format: "jpeg", Width: 40, Height: 30, Channels: 3, Orientation: 6}, ""},
		{"cut.jpg", jpg[:len(jpg)/2], ImageInfo{Format: "jpeg", Width: 40, Height: 30, Channels: 3, Orientation: 1, Truncated: true}, ""},
		{"g.png", pngBytes(t, grayImage(9, 4)), ImageInfo{Format: "png", Width: 9, Height: 4, Channels: 1, Orientation: 1}, ""},
		{"a.png", pngBytes(t, rgbaImage(3, 2)), ImageInfo{Format: "png", Width: 3, Height: 2, Channels: 4, Orientation: 1}, ""},
		{"cut.png", pngBytes(t, grayImage(9, 4))[:40], ImageInfo{Format: "png", Width: 9, Height: 4, Channels: 1, Orientation: 1, Truncated: true}, ""},
		{"a.bmp", []byte(bmpBuf.String()), ImageInfo{Format: "bmp", Width: 5, Height: 7, Channels: 3, Orientation: 1}, ""},
		{"zero.jpg", nil, ImageInfo{}, "empty file"},
		{"junk.jpg", []byte("hello world, not an image"), ImageInfo{}, "not a JPEG"},
		{"head.jpg", jpg[:20], ImageInfo{}, "truncated image header"},
		{"gif.jpg", []byte("GIF89a......"), ImageInfo{Format: "gif"}, ""},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, c.data, 0o644)
		got, err := ReadImageInfo(p)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}

func FuzzReadImageInfo(f *testing.F) {
	f.Add(jpegBytes(f, 4, 4))
	f.Add(withExif(jpegBytes(f, 4, 4), 8))
	f.Add(pngBytes(f, grayImage(2, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		readImageInfo(strings.NewReader(string(data)), int64(len(data)))
	})
}
