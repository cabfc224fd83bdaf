//go:build linux

package guitest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Pictures are decoded at the size they are shown at (a next-image step
// waits for nothing more); zoomed in to 1:1, the photo's own pixels must
// come back. The photo is two-pixel stripes: fitted they blur to grey,
// at 1:1 they must be stripes again.
func TestZoomShowsThePhotosOwnPixels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "photos")
	os.MkdirAll(dir, 0o755)
	const w, h = 2400, 1800
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = uint8(40 + 180*(x/2%2))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 97}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "stripes.jpg"), buf.Bytes(), 0o644)

	a := Start(t, dir)
	a.WaitText("stripes.jpg*", 20*time.Second)
	ed := a.Editor()
	a.WaitColor(ed, color.RGBA{130, 130, 130, 255}, 25, 10*time.Second, "fitted stripes (grey)")

	a.Key("ctrl+equal")
	c := ed.Min.Add(ed.Size().Div(2))
	row := image.Rect(c.X-40, c.Y, c.X+40, c.Y+1)
	deadline := time.Now().Add(5 * time.Second)
	for {
		px, err := a.D.Grab(row)
		a.must(err)
		dark, bright := 0, 0
		for i := 0; i+3 < len(px.Pix); i += 4 {
			switch v := px.Pix[i+1]; {
			case v < 80:
				dark++
			case v > 180:
				bright++
			}
		}
		if dark >= 20 && bright >= 20 {
			return
		}
		if time.Now().After(deadline) {
			a.Shot("zoom-1to1")
			t.Fatalf("at 1:1 the row of 80 pixels at the middle has %d dark and %d bright ones; want the photo's stripes, at least 20 of each", dark, bright)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
