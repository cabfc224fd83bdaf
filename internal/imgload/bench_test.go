package imgload

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestBenchScreenDecode times what the editor's prefetch does for each
// camera photo: decoding it for the picture area (822 px, the editor's
// long side in a 1280×800 window) against the way before, a decode for
// 2048 px and a bilinear screen copy, interleaved in one run. Bar: at
// most three quarters of the time. make bench runs it (LABELLOOP_BENCH=1).
func TestBenchScreenDecode(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("a benchmark: make bench runs it")
	}
	const side = 822
	dir := t.TempDir()
	for _, sz := range []string{"1600x1200", "4000x3000"} {
		path := filepath.Join(dir, sz+".jpg")
		// a photo-like picture: noise over gradients, as a camera's
		out, err := exec.Command("convert", "-size", sz, "gradient:rgb(200,80,40)-rgb(40,90,200)",
			"-seed", "3", "-attenuate", "0.4", "+noise", "Gaussian", "-quality", "92", path).CombinedOutput()
		if err != nil {
			t.Fatalf("convert: %v\n%s", err, out)
		}
		var now, before []time.Duration
		for i := 0; i < 15; i++ {
			t0 := time.Now()
			if _, err := Load(path, side); err != nil {
				t.Fatal(err)
			}
			now = append(now, time.Since(t0))
			t0 = time.Now()
			p, err := Load(path, 2048)
			if err != nil {
				t.Fatal(err)
			}
			ScreenCopy(p.Img, side)
			before = append(before, time.Since(t0))
		}
		a, b := median(now), median(before)
		line := fmt.Sprintf("screen decode, %s JPEG for %d px: %.1f ms (before: decode for 2048 + screen copy %.1f ms), %.2fx (bar <= 0.75x)",
			sz, side, ms(a), ms(b), float64(a)/float64(b))
		t.Log(line)
		if float64(a) > 0.75*float64(b) {
			t.Errorf("%s: %.2fx misses the bar of 0.75x", sz, float64(a)/float64(b))
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
