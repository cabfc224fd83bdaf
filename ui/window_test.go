package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/synth"
)

// waitFor polls cond on the UI goroutine until it holds or time runs out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestWindowOpensDatasetAndShowsHealth(t *testing.T) {
	a := test.NewTempApp(t)
	root := t.TempDir()
	o := synth.Default(6)
	o.Unlabelled = 2
	if err := synth.Generate(root, o); err != nil {
		t.Fatal(err)
	}
	w := NewWindow(a, nil)
	opened := ""
	w.OnOpen = func(dir string) { opened = dir }
	w.Open(root)
	if opened != root || w.count() != 8 {
		t.Fatalf("opened %q with %d items", opened, w.count())
	}
	waitFor(t, "the health report", func() bool { return w.report != nil })
	if !strings.Contains(w.health.Text, "images 8: 6 labelled, 2 unlabelled") {
		t.Fatalf("health text:\n%s", w.health.Text)
	}
	if w.state[0] != "labelled" || w.state[7] != "unlabelled" {
		t.Fatalf("states %v", w.state)
	}
	waitFor(t, "the first image", func() bool { return w.view.img != nil && len(w.view.boxes) > 0 })

	// D steps to the next image, A back
	key := func(k fyne.KeyName) { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }
	key(fyne.KeyD)
	waitFor(t, "image 2", func() bool { return w.sel == 1 })
	key(fyne.KeyA)
	waitFor(t, "image 1", func() bool { return w.sel == 0 })
}

func TestFitTransformCentres(t *testing.T) {
	f := FitTransform(200, 100, fyne.NewSize(400, 400))
	if f.Scale != 2 || f.Offset != fyne.NewPos(0, 100) {
		t.Fatalf("%+v", f)
	}
	if p := f.ToScreen(50, 50); p != fyne.NewPos(100, 200) {
		t.Fatalf("%v", p)
	}
}
