package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/voc"
)

func benchJPEG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7 / 5), uint8(y * 3), uint8((x ^ y) & 255), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 88}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TestBenchEditor is `make bench`'s editor figures.
func TestBenchEditor(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	a := test.NewTempApp(t)
	root := t.TempDir()
	jpg := benchJPEG(t, 1920, 1080)
	const n = 40
	for i := 0; i < n; i++ {
		p := filepath.Join(root, fmt.Sprintf("img%03d.jpg", i))
		os.WriteFile(p, jpg, 0o644)
		ann := voc.NewAnnotation(p, 1920, 1080, 3)
		for k := 0; k < 5; k++ {
			ann.Objects = append(ann.Objects, voc.Object{Name: "thing", Box: voc.Box{Xmin: float64(100 * k), Ymin: 100, Xmax: float64(100*k + 80), Ymax: 300}})
		}
		voc.SaveAnnotation(filepath.Join(root, fmt.Sprintf("img%03d.xml", i)), ann)
	}
	w := NewWindow(a, nil)
	w.Label.background = func(f func()) { f() }
	w.Resize(fyne.NewSize(1280, 800))
	w.Open(root)

	// Next image (D) with prefetch: a labeller looks at each image for a
	// while, so the neighbour is decoded by the time D is pressed.
	step := func(prefetch bool) []time.Duration {
		var lat []time.Duration
		w.Label.Show(0)
		for i := 1; i < n; i++ {
			next := w.Label.ds.Items[i].Image
			if prefetch {
				for k := 0; k < 400 && !w.Label.cache.Cached(next); k++ {
					time.Sleep(time.Millisecond)
				}
			} else {
				w.Label.cache.Forget(next)
			}
			t0 := time.Now()
			w.Label.step(1)
			if w.Label.doc == nil || w.Label.pic == nil || w.Label.pic.Path != next {
				t.Fatalf("image %d not shown", i)
			}
			w.Label.editor.Refresh() // lay out the picture and boxes as a frame would
			lat = append(lat, time.Since(t0))
			if !prefetch {
				w.Label.cache.Forget(next)
			}
		}
		return lat
	}
	cold := step(false)
	warm := step(true)
	t.Logf("next image, 1920x1080 JPEG with 5 boxes, %d steps:", n-1)
	t.Logf("  with prefetch      p50 %6.2f ms  p95 %6.2f ms", ms(pct(warm, .5)), ms(pct(warm, .95)))
	t.Logf("  without (cold)     p50 %6.2f ms  p95 %6.2f ms   ratio %.1fx", ms(pct(cold, .5)), ms(pct(cold, .95)), float64(pct(cold, .95))/float64(pct(warm, .95)))
	if pct(warm, .95) > 50*time.Millisecond {
		t.Errorf("next-image p95 %v, bar is 50 ms", pct(warm, .95))
	}

	// A cold 24 MP photo: decode for display, against Go's full decoder.
	big := filepath.Join(t.TempDir(), "big.jpg")
	os.WriteFile(big, benchJPEG(t, 6000, 4000), 0o644)
	var ours, goDec []time.Duration
	for k := 0; k < 5; k++ {
		t0 := time.Now()
		pic, err := imgload.Load(big, displaySide)
		if err != nil {
			t.Fatal(err)
		}
		w.Label.editor.Set(pic, nil)
		ours = append(ours, time.Since(t0))
		t0 = time.Now()
		data, _ := os.ReadFile(big)
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		goDec = append(goDec, time.Since(t0))
	}
	t.Logf("cold 6000x4000 JPEG to the screen: median %.0f ms (image/jpeg full decode alone: %.0f ms, ratio %.1fx)",
		ms(pct(ours, .5)), ms(pct(goDec, .5)), float64(pct(goDec, .5))/float64(pct(ours, .5)))
	if pct(ours, .5) > 300*time.Millisecond {
		t.Errorf("cold 24 MP took %v, bar is 300 ms", pct(ours, .5))
	}

	// Dragging a box among 300: our work per pointer event.
	w.Label.Show(0)
	for k := 0; k < 295; k++ {
		x, y := float64(k%20)*90, float64(k/20)*70
		w.Label.doc.Add(voc.Object{Name: "thing", Box: voc.Box{Xmin: x, Ymin: y, Xmax: x + 60, Ymax: y + 50}})
	}
	e := w.Label.editor
	e.Refresh()
	press(e, 10+50, 100+50)
	var frames []time.Duration
	p0 := e.View().ToScreen(60, 150)
	for k := 1; k <= 300; k++ {
		p := p0.AddXY(float32(k%100), float32(k%37))
		t0 := time.Now()
		e.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: p}, Dragged: fyne.NewDelta(1, 1)})
		frames = append(frames, time.Since(t0))
	}
	e.DragEnd()
	w.Label.doc.MarkSaved() // those boxes were for timing only: do not prompt to save them
	t.Logf("dragging a box among %d: per event p50 %.3f ms, p95 %.3f ms, max %.3f ms (budget 16 ms: %.0fx headroom at max)",
		len(w.Label.doc.Objects()), ms(pct(frames, .5)), ms(pct(frames, .95)), ms(pct(frames, 1)), 16/ms(pct(frames, 1)))
	if pct(frames, 1) > 16*time.Millisecond {
		t.Errorf("a drag event took %v, budget 16 ms", pct(frames, 1))
	}

	// Opening a folder of 10,000 images: the list, before any check or decode.
	many := t.TempDir()
	small := benchJPEG(t, 32, 24)
	for i := 0; i < 10000; i++ {
		os.WriteFile(filepath.Join(many, fmt.Sprintf("p%05d.jpg", i)), small, 0o644)
	}
	w.Label.background = func(func()) {} // the check and decodes would follow; not part of this figure
	var opens []time.Duration
	for k := 0; k < 3; k++ {
		t0 := time.Now()
		w.Open(many)
		if len(w.Label.shown) != 10000 {
			t.Fatalf("list shows %d", len(w.Label.shown))
		}
		opens = append(opens, time.Since(t0))
	}
	t.Logf("open a folder of 10,000 images to the list: median %.0f ms (budget 1 s: %.0fx headroom)", ms(pct(opens, .5)), 1000/ms(pct(opens, .5)))
	if pct(opens, .5) > time.Second {
		t.Errorf("open took %v, bar is 1 s", pct(opens, .5))
	}
}
