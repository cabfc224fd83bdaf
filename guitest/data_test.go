//go:build linux

package guitest

import (
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Photo is one picture of a generated folder: a colour that fills its
// middle (what the tests look for on screen), its size, and the file
// variant a camera or the web produces.
type Photo struct {
	Name   string
	Color  color.RGBA
	W, H   int
	Format string // convert options after the picture, e.g. "-interlace Plane"
}

// variants are the kinds of files people's folders hold; the suite's
// same-size folder cycles through them.
var variants = []struct{ ext, opts string }{
	{"jpg", "-quality 90"},                                       // baseline 4:2:0
	{"jpg", "-interlace Plane -quality 85"},                      // progressive
	{"jpg", "-sampling-factor 2x1 -quality 92"},                  // 4:2:2
	{"jpg", "-interlace Plane -sampling-factor 2x1"},             // progressive 4:2:2
	{"png", "-depth 16"},                                         // 16-bit PNG
	{"png", "-type Palette"},                                     // palette PNG
	{"jpg", "-sampling-factor 1x1 -quality 95 -strip"},           // 4:4:4, no metadata
	{"png", "-alpha set -channel A -evaluate set 100% +channel"}, // RGBA PNG
}

// palette: colours far apart from each other and from the editor's
// background, so the middle of the screen tells which picture is shown.
var palette = []color.RGBA{
	{200, 40, 40, 255}, {40, 170, 60, 255}, {50, 80, 210, 255}, {220, 200, 40, 255},
	{190, 60, 190, 255}, {40, 190, 200, 255}, {240, 140, 30, 255}, {150, 150, 150, 255},
}

// PhotoFolder writes n photos of one size (a camera's folder) or, with
// sizes, of those sizes in turn, into dir, and returns them in name order.
func PhotoFolder(t *testing.T, dir string, n int, sizes ...[2]int) []Photo {
	t.Helper()
	if len(sizes) == 0 {
		sizes = [][2]int{{640, 480}}
	}
	var out []Photo
	for i := 0; i < n; i++ {
		v := variants[i%len(variants)]
		sz := sizes[i%len(sizes)]
		p := Photo{Name: fmt.Sprintf("photo_%03d.%s", i+1, v.ext), Color: palette[i%len(palette)], W: sz[0], H: sz[1], Format: v.opts}
		writePhoto(t, filepath.Join(dir, p.Name), p)
		out = append(out, p)
	}
	return out
}

// writePhoto draws a photo-like picture with ImageMagick: the colour with
// sensor-like noise, a darker border and a gradient band at the top, so
// it compresses and decodes like a photo rather than a flat fill.
func writePhoto(t *testing.T, path string, p Photo) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	col := fmt.Sprintf("rgb(%d,%d,%d)", p.Color.R, p.Color.G, p.Color.B)
	args := []string{"-size", fmt.Sprintf("%dx%d", p.W, p.H), "xc:" + col,
		"-seed", "7", "-attenuate", "0.15", "+noise", "Gaussian",
		"-fill", "rgba(0,0,0,0.35)", "-draw", fmt.Sprintf("rectangle 0,0 %d,%d", p.W-1, p.H/10),
		"-bordercolor", "rgb(30,30,30)", "-border", "4", "-shave", "4x4"}
	args = append(args, strings.Fields(p.Format)...)
	args = append(args, path)
	if out, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
		t.Fatalf("convert %v: %v\n%s", args, err, out)
	}
}
