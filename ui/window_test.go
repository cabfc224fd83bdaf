package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/voc"
)

// waitFor polls cond on the UI goroutine until it holds or time runs out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// openShapes opens a generated dataset (6 labelled, 2 unlabelled images).
func openShapes(t testing.TB) (*Window, string) {
	a := test.NewTempApp(t)
	root := filepath.Join(t.(interface{ TempDir() string }).TempDir(), "shapes")
	o := synth.Default(6)
	o.Width, o.Height = 320, 240
	o.Unlabelled = 2
	if err := synth.Generate(root, o); err != nil {
		t.Fatal(err)
	}
	w := NewWindow(a, nil)
	w.Label.background = func(f func()) { f() }
	w.Resize(fyne.NewSize(1280, 800))
	w.Open(root)
	waitFor(t, "the health report", func() bool { return w.Label.report != nil })
	waitFor(t, "the first image", func() bool { return w.Label.doc != nil && w.Label.pic != nil })
	return w, root
}

func press(e *Editor, imgX, imgY float64) {
	e.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: e.View().ToScreen(imgX, imgY)}, Button: desktop.MouseButtonPrimary})
}

// dragTo moves the pointer in steps to an image point, as a hand would.
func dragTo(e *Editor, fromX, fromY, toX, toY float64) {
	p0 := e.View().ToScreen(fromX, fromY)
	p1 := e.View().ToScreen(toX, toY)
	prev := p0
	for k := 1; k <= 5; k++ {
		p := fyne.NewPos(p0.X+(p1.X-p0.X)*float32(k)/5, p0.Y+(p1.Y-p0.Y)*float32(k)/5)
		e.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: p}, Dragged: fyne.NewDelta(p.X-prev.X, p.Y-prev.Y)})
		prev = p
	}
	e.DragEnd()
	e.MouseUp(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: p1}, Button: desktop.MouseButtonPrimary})
}

// fireShortcut delivers a chord as the GLFW window does: Ctrl+Z, Y, V and
// A become Fyne's standard shortcuts (the test driver skips that mapping,
// which once hid that undo did nothing in the real window).
func fireShortcut(w *Window, k fyne.KeyName, mod fyne.KeyModifier) {
	var sc fyne.Shortcut = &desktop.CustomShortcut{KeyName: k, Modifier: mod}
	if mod == fyne.KeyModifierShortcutDefault {
		switch k {
		case fyne.KeyZ:
			sc = &fyne.ShortcutUndo{}
		case fyne.KeyY:
			sc = &fyne.ShortcutRedo{}
		case fyne.KeyV:
			sc = &fyne.ShortcutPaste{}
		case fyne.KeyA:
			sc = &fyne.ShortcutSelectAll{}
		}
	}
	w.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(sc)
}

func key(w *Window, k fyne.KeyName) { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }

func near(a, b voc.Box) bool {
	d := func(x, y float64) bool { return x-y < 1.5 && y-x < 1.5 }
	return d(a.Xmin, b.Xmin) && d(a.Ymin, b.Ymin) && d(a.Xmax, b.Xmax) && d(a.Ymax, b.Ymax)
}

func TestListStatesAndFilter(t *testing.T) {
	w, _ := openShapes(t)
	if len(w.Label.shown) != 8 || w.Label.items[0].label(w.Label.ds.Items[0]) != "labelled" || w.Label.items[7].label(w.Label.ds.Items[7]) != "unlabelled" {
		t.Fatalf("shown %d, states %v", len(w.Label.shown), w.Label.items)
	}
	w.Label.filterSel.SetSelected("Unlabelled")
	if len(w.Label.shown) != 2 {
		t.Fatalf("unlabelled filter shows %d", len(w.Label.shown))
	}
	w.Label.filterSel.SetSelected("All")
	if !strings.Contains(w.Dataset.text.Text, "images 8: 6 labelled, 2 unlabelled") {
		t.Fatalf("health text:\n%s", w.Dataset.text.Text)
	}
}

func TestDrawMoveResizeUndoSave(t *testing.T) {
	w, _ := openShapes(t)
	e := w.Label.editor
	n := len(w.Label.doc.Objects())

	// draw: W, drag, then pick the class in the popup by typing
	key(w, fyne.KeyW)
	if !e.Drawing {
		t.Fatal("W did not enter draw mode")
	}
	press(e, 20, 30)
	dragTo(e, 20, 30, 80, 90)
	if len(w.Label.doc.Objects()) != n+1 || e.Drawing {
		t.Fatalf("draw: %d boxes, drawing %v", len(w.Label.doc.Objects()), e.Drawing)
	}
	focused, ok := w.Canvas().Focused().(*pickerEntry)
	if !ok {
		t.Fatal("class picker did not open")
	}
	test.Type(focused, "tri")
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown}) // complete to the match
	focused.OnSubmitted(focused.Text)
	o := w.Label.doc.Objects()[n]
	if o.Name != "triangle" || !near(o.Box, voc.Box{Xmin: 20, Ymin: 30, Xmax: 80, Ymax: 90}) {
		t.Fatalf("drawn %+v", o)
	}

	// move it by dragging its inside
	press(e, 50, 60)
	dragTo(e, 50, 60, 70, 65)
	if b := w.Label.doc.Objects()[n].Box; !near(b, voc.Box{Xmin: 40, Ymin: 35, Xmax: 100, Ymax: 95}) {
		t.Fatalf("moved %+v", b)
	}
	// resize with the south-east handle
	press(e, 100, 95)
	dragTo(e, 100, 95, 130, 120)
	if b := w.Label.doc.Objects()[n].Box; !near(b, voc.Box{Xmin: 40, Ymin: 35, Xmax: 130, Ymax: 120}) {
		t.Fatalf("resized %+v", b)
	}
	// undo twice: back to the drawn box; redo once
	fireShortcut(w, fyne.KeyZ, fyne.KeyModifierShortcutDefault)
	fireShortcut(w, fyne.KeyZ, fyne.KeyModifierShortcutDefault)
	if b := w.Label.doc.Objects()[n].Box; !near(b, voc.Box{Xmin: 20, Ymin: 30, Xmax: 80, Ymax: 90}) {
		t.Fatalf("after undo %+v", b)
	}
	fireShortcut(w, fyne.KeyZ, fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift)
	if b := w.Label.doc.Objects()[n].Box; !near(b, voc.Box{Xmin: 40, Ymin: 35, Xmax: 100, Ymax: 95}) {
		t.Fatalf("after redo %+v", b)
	}
	// nudge, duplicate, delete, toggle difficult
	key(w, fyne.KeyRight)
	fireShortcut(w, fyne.KeyD, fyne.KeyModifierShortcutDefault)
	if len(w.Label.doc.Objects()) != n+2 {
		t.Fatal("Ctrl+D did not duplicate")
	}
	key(w, fyne.KeyDelete)
	key(w, fyne.KeyX)
	if len(w.Label.doc.Objects()) != n+1 {
		t.Fatal("Del did not delete")
	}
	// save, then the XML on disk has the box
	fireShortcut(w, fyne.KeyS, fyne.KeyModifierShortcutDefault)
	if w.Label.doc.Dirty() {
		t.Fatal("still dirty after Ctrl+S")
	}
	a, err := voc.LoadAnnotation(w.Label.ds.Items[0].XML)
	if err != nil || len(a.Objects) != n+1 || a.Objects[n].Name != "triangle" || a.Objects[n].Box.Xmin != 41 {
		t.Fatalf("saved %+v %v", a, err)
	}
}

func TestEscapeCancelsANewBox(t *testing.T) {
	w, _ := openShapes(t)
	n := len(w.Label.doc.Objects())
	key(w, fyne.KeyW)
	press(w.Label.editor, 10, 10)
	dragTo(w.Label.editor, 10, 10, 60, 60)
	entry := w.Canvas().Focused().(*pickerEntry)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if len(w.Label.doc.Objects()) != n {
		t.Fatalf("cancelled box kept: %d", len(w.Label.doc.Objects()))
	}
}

func TestNextAutosavesVerifiedAndPaste(t *testing.T) {
	w, root := openShapes(t)
	// go to the first unlabelled image, mark it verified with Space
	w.Label.Show(6)
	waitFor(t, "image 7", func() bool { return w.Label.cur == 6 && w.Label.doc != nil })
	w.Label.keyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	w.Label.keyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !w.Label.doc.Verified() {
		t.Fatal("Space did not mark verified")
	}
	// Ctrl+V copies the boxes of the image shown before
	fireShortcut(w, fyne.KeyV, fyne.KeyModifierShortcutDefault)
	if len(w.Label.doc.Objects()) == 0 {
		t.Fatal("Ctrl+V pasted nothing")
	}
	key(w, fyne.KeyD) // leaving autosaves
	waitFor(t, "image 8", func() bool { return w.Label.cur == 7 && w.Label.doc != nil })
	p := filepath.Join(root, "Annotations", "shapes-00006.xml")
	a, err := voc.LoadAnnotation(p)
	if err != nil || !a.Verified || len(a.Objects) == 0 {
		t.Fatalf("autosave: %v %+v", err, a)
	}
	if w.Label.items[6].label(w.Label.ds.Items[6]) != "verified" {
		t.Fatalf("list state %q", w.Label.items[6].label(w.Label.ds.Items[6]))
	}
}

func TestBrokenXMLIsNeverOverwritten(t *testing.T) {
	w, root := openShapes(t)
	p := filepath.Join(root, "Annotations", "shapes-00002.xml")
	broken := []byte("<annotation><object><name>cat</name>")
	os.WriteFile(p, broken, 0o644)
	w.Label.Show(2)
	waitFor(t, "image 3", func() bool { return w.Label.cur == 2 && w.Label.pic != nil && w.Label.loadGen > 0 })
	waitFor(t, "the error", func() bool { return strings.Contains(w.Label.status.Text, "will not overwrite") })
	if w.Label.doc != nil {
		t.Fatal("a document was made for an unparseable file")
	}
	key(w, fyne.KeyD)
	fireShortcut(w, fyne.KeyS, fyne.KeyModifierShortcutDefault)
	if b, _ := os.ReadFile(p); string(b) != string(broken) {
		t.Fatal("broken file changed")
	}
}

func TestZoomAroundCursorKeepsPointStill(t *testing.T) {
	w, _ := openShapes(t)
	e := w.Label.editor
	p := fyne.NewPos(300, 200)
	x0, y0 := e.ToImage(p)
	e.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: p}, Scrolled: fyne.NewDelta(0, 30)})
	x1, y1 := e.ToImage(p)
	if e.View().Scale <= FitTransform(e.pic.W, e.pic.H, e.Size()).Scale || abs(x1-x0) > 0.01 || abs(y1-y0) > 0.01 {
		t.Fatalf("zoom moved the point: (%g,%g) -> (%g,%g)", x0, y0, x1, y1)
	}
	fireShortcut(w, fyne.KeyF, fyne.KeyModifierShortcutDefault)
	if !e.fit {
		t.Fatal("Ctrl+F did not fit")
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
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

func TestEXIFBadge(t *testing.T) {
	w, root := openShapes(t)
	p := filepath.Join(root, "JPEGImages", "shapes-00001.jpg")
	data, _ := os.ReadFile(p)
	// an APP1 segment with orientation 6 right after SOI
	exif := []byte("\xff\xe1\x00\x22Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	os.WriteFile(p, append(append(append([]byte{}, data[:2]...), exif...), data[2:]...), 0o644)
	w.Label.cache.Forget(p)
	w.Label.Show(1)
	waitFor(t, "the EXIF badge", func() bool { return w.Label.badge.Visible() && strings.Contains(w.Label.badge.Text, "orientation 6") })
	w.Label.Show(2)
	waitFor(t, "the badge to go", func() bool { return !w.Label.badge.Visible() })
}

// On the Predict tab a dropped folder is a batch of pictures to predict.
func TestMediaIn(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b10.jpg", "b2.png", "clip.mp4", "notes.txt", ".hidden.jpg"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	got := mediaIn(dir)
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, " ") != "b2.png b10.jpg clip.mp4" {
		t.Fatalf("%v", names)
	}
}

// Every key on the shortcut sheet does something: the one table that
// writes the sheet binds the keys.
func TestEveryChordHasAnAction(t *testing.T) {
	for _, b := range bindings {
		for _, k := range b.bind {
			if k.do == nil {
				t.Errorf("%q: %v+%v has no action", b.keys, k.mod, k.key)
			}
		}
	}
}
