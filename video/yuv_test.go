package video

import (
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/synth"
)

// The network sees the same picture from a yuv420p frame as from ffmpeg's
// own RGBA conversion of it: same letterbox, colours within a few levels.
func TestPreprocessYUVMatchesRGBA(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	clip := filepath.Join(t.TempDir(), "c.mp4")
	if err := synth.Video(clip, "320x240", "5", 1); err != nil {
		t.Fatal(err)
	}
	ry, err := OpenVideoYUV(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer ry.Close()
	rr, err := OpenVideo(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	fy, err := ry.NextYUV()
	if err != nil {
		t.Fatal(err)
	}
	fr, err := rr.Next()
	if err != nil {
		t.Fatal(err)
	}
	const size = 160
	a, b := make([]float32, 3*size*size), make([]float32, 3*size*size)
	detect.Preprocess(fy, 320, 240, size, true, a)
	detect.Preprocess(fr, 320, 240, size, true, b)
	var sum, worst float64
	for i := range a {
		d := math.Abs(float64(a[i] - b[i]))
		sum += d
		worst = math.Max(worst, d)
	}
	mean := sum / float64(len(a))
	t.Logf("mean abs diff %.4f (%.2f levels), max %.3f", mean, 255*mean, worst)
	if mean > 2.0/255 {
		t.Fatalf("yuv and rgba inputs differ by %.2f levels on average", 255*mean)
	}
	// At converts single pixels the same way
	c := fy.At(100, 100)
	r, g, bb, _ := c.RGBA()
	o := fr.PixOffset(100, 100)
	for i, v := range []uint32{r >> 8, g >> 8, bb >> 8} {
		if math.Abs(float64(v)-float64(fr.Pix[o+i])) > 6 {
			t.Fatalf("At(100,100) = %v, ffmpeg's rgba %v", c, fr.Pix[o:o+3])
		}
	}
}
