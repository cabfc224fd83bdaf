//go:build linux

package guitest

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/labelloop/labelloop/guitest/floorapp/colour"
	"github.com/labelloop/labelloop/internal/xwin"
)

// latencyBar is the longest the 95th percentile of next-image steps may
// take, key press to the new picture on screen.
const latencyBar = 50 * time.Millisecond

// TestBenchNextImageLatency times what a person waits for after pressing
// D or A: from the X key event to the new picture's colour at the middle
// of the screen, over 50 steps through camera-size JPEGs of one size and
// of mixed sizes, at a labeller's pace (a short look at each picture, as
// the prefetch expects). The baseline, timed the same way in the same run,
// is floorapp: a bare Fyne window of the same size that only swaps a
// ready picture, i.e. what Fyne, Mesa and the X server cost by
// themselves. It fails when LabelLoop's p95 misses the bar. make bench
// runs it (LABELLOOP_BENCH=1): a timing bar is for a machine that is not
// busy with other builds.
func TestBenchNextImageLatency(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("a benchmark: make bench runs it")
	}
	floor := startFloor(t)
	for _, tc := range []struct {
		name  string
		sizes [][2]int
	}{
		{"same-size", [][2]int{{1600, 1200}}},
		{"mixed-size", [][2]int{{1600, 1200}, {1200, 1600}, {1920, 1080}, {1024, 768}, {4000, 3000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "photos")
			photos := PhotoFolder(t, dir, 26, tc.sizes...)
			a := Start(t, dir)
			a.WaitText(photos[0].Name+"*", 20*time.Second)
			ed := a.Editor()
			a.WaitColor(ed, photos[0].Color, 40, 10*time.Second, "first picture")
			// the two windows take turns in front, so that both are timed
			// under the same load, step by step
			var app, base []time.Duration
			for i := 1; i < 2*len(photos)-1; i++ {
				key, j := "d", i
				if i >= len(photos) {
					key, j = "a", 2*len(photos)-2-i
				}
				a.D.Raise(a.Win)
				a.D.Focus(a.Win)
				app = append(app, timeStep(t, a.D, ed, key, photos[j].Color, func() { a.Shot("stuck-" + photos[j].Name) }))
				floor.D.Raise(floor.Win)
				floor.D.Focus(floor.Win)
				base = append(base, timeStep(t, floor.D, floor.rect, key, floor.colour(j), func() {}))
			}
			ps, fs := percentiles(app), percentiles(base)
			line := fmt.Sprintf("next-image latency, %s (%v): %d steps, p50 %.1f ms, p95 %.1f ms, max %.1f ms; bare Fyne window (floor) p50 %.1f ms, p95 %.1f ms, max %.1f ms (bar: p95 < %v)",
				tc.name, tc.sizes, len(app), ms(ps[0]), ms(ps[1]), ms(ps[2]), ms(fs[0]), ms(fs[1]), ms(fs[2]), latencyBar)
			t.Log(line)
			if out := os.Getenv("LABELLOOP_BENCH_OUT"); out != "" {
				f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err == nil {
					fmt.Fprintln(f, line)
					f.Close()
				}
			}
			if ps[1] >= latencyBar {
				t.Errorf("p95 %.1f ms misses the bar of %v", ms(ps[1]), latencyBar)
			}
		})
	}
}

// timeStep presses key after a short look at the current picture and
// returns how long the middle of area takes to show want.
func timeStep(t *testing.T, d *xwin.Display, area image.Rectangle, key string, want color.RGBA, stuck func()) time.Duration {
	t.Helper()
	c := area.Min.Add(area.Size().Div(2))
	patch := image.Rect(c.X-6, c.Y-6, c.X+6, c.Y+6)
	time.Sleep(lookTime()) // a look at the picture
	t0 := time.Now()
	if err := d.Key(key); err != nil {
		t.Fatal(err)
	}
	for {
		col, err := d.Mean(patch)
		if err != nil {
			t.Fatal(err)
		}
		if xwin.Near(col, want, 40) {
			return time.Since(t0)
		}
		if time.Since(t0) > 5*time.Second {
			stuck()
			t.Fatalf("%s: the picture did not change to %v within 5 s (shows %v)", key, want, col)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// percentiles is p50, p95 and the maximum.
func percentiles(steps []time.Duration) [3]time.Duration {
	s := append([]time.Duration(nil), steps...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return [3]time.Duration{s[len(s)/2], s[len(s)*95/100], s[len(s)-1]}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// floorWindow is the running baseline app.
type floorWindow struct {
	D    *xwin.Display
	Win  xproto.Window
	rect image.Rectangle
}

func (f *floorWindow) colour(i int) color.RGBA { return colour.Of(i) }

// startFloor builds and starts floorapp on the suite's display.
func startFloor(t *testing.T) *floorWindow {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "floorapp")
	if out, err := exec.Command("go", "build", "-o", bin, "./floorapp").CombinedOutput(); err != nil {
		t.Fatalf("build floorapp: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LIBGL_ALWAYS_SOFTWARE=1", "HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	d, err := xwin.Open(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	w, err := d.FindWindow("LabelLoop floor", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d.MoveWindow(w, 0, 0)
	f := &floorWindow{D: d, Win: w}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := d.Rect(w)
		if err == nil && r.Dx() >= 1000 {
			f.rect = r
			col, err := d.Mean(image.Rect(r.Min.X+r.Dx()/2-6, r.Min.Y+r.Dy()/2-6, r.Min.X+r.Dx()/2+6, r.Min.Y+r.Dy()/2+6))
			if err == nil && xwin.Near(col, colour.Of(0), 40) {
				return f
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("floorapp did not show its first picture")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lookTime is how long a person looks at each picture before the next key.
func lookTime() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("LABELLOOP_BENCH_LOOK")); err == nil {
		return d
	}
	return 250 * time.Millisecond
}
