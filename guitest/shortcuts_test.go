//go:build linux

package guitest

import (
	"image"
	"image/color"
	"math"
	"os"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/xwin"
	"github.com/labelloop/labelloop/voc"
)

// editorBG is the editor's backdrop around the picture.
var editorBG = color.RGBA{0x20, 0x20, 0x24, 0xff}

// view maps image pixels of a w×h picture shown fitted in ed to the screen.
type view struct {
	ed    image.Rectangle
	scale float64
	ox    float64
	oy    float64
}

func fitView(ed image.Rectangle, w, h int) view {
	s := math.Min(float64(ed.Dx())/float64(w), float64(ed.Dy())/float64(h))
	return view{ed, s, float64(ed.Min.X) + (float64(ed.Dx())-s*float64(w))/2, float64(ed.Min.Y) + (float64(ed.Dy())-s*float64(h))/2}
}

func (v view) at(x, y float64) image.Point {
	return image.Pt(int(math.Round(v.ox+x*v.scale)), int(math.Round(v.oy+y*v.scale)))
}

func (a *App) colorAt(p image.Point) color.RGBA {
	a.t.Helper()
	c, err := a.D.Mean(image.Rect(p.X-2, p.Y-2, p.X+3, p.Y+3))
	a.must(err)
	return c
}

func (a *App) waitColorAt(p image.Point, want color.RGBA, tol int, what string) {
	a.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := a.colorAt(p)
		if xwin.Near(got, want, tol) {
			return
		}
		if time.Now().After(deadline) {
			a.Shot(sanitize(what))
			a.t.Fatalf("%s: %v shows %v, want %v", what, p, got, want)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// saved saves (Ctrl+S) and reads the image's annotation back.
func (a *App) saved(path string) *voc.Annotation {
	a.t.Helper()
	before := modTime(path)
	a.Key("ctrl+s")
	deadline := time.Now().Add(5 * time.Second)
	for modTime(path).Equal(before) {
		if time.Now().After(deadline) {
			a.Shot("not-saved")
			a.t.Fatalf("Ctrl+S did not write %s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return loadXML(a.t, path)
}

func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}

func near(a, b float64) bool { return math.Abs(a-b) <= 2 }

// Every shortcut on the help sheet, pressed as keys in the real window,
// and the mouse's draw, select, move, resize and double-click: each is
// checked in the saved XML or on the screen.
func TestShortcuts(t *testing.T) {
	a, dir, photos := openFolder(t, 3)
	ed := a.Editor()
	p := photos[0]
	xml := xmlFor(dir, p)
	a.WaitColor(ed, p.Color, 40, 5*time.Second, "first picture")
	v := fitView(ed, p.W, p.H)

	// F1 and ? open the sheet, Esc closes it; the toolbar's button too
	for _, open := range []string{"F1", "?"} {
		a.Key(open)
		a.WaitText("Keyboard shortcuts", 3*time.Second)
		a.Shot("sheet")
		a.Key("Escape")
		a.WaitGone("Keyboard shortcuts", 3*time.Second)
	}
	// the last row of the sheet is readable above its Close button (the
	// rows scroll on a screen too short for all of them)
	a.Key("F1")
	title := a.WaitText("Keyboard shortcuts", 3*time.Second)
	a.must(a.D.Move(title.X+title.W*2, title.Y+200))
	for i := 0; i < 15; i++ {
		a.must(a.D.Button(5, true))
		a.must(a.D.Button(5, false))
		time.Sleep(20 * time.Millisecond)
	}
	last, close := a.WaitText("this sheet*", 3*time.Second), a.WaitText("Close", 3*time.Second)
	if last.Rect().Overlaps(close.Rect()) || last.Y > close.Y {
		t.Errorf("the sheet's last row %v is under its Close button %v", last.Rect(), close.Rect())
	}
	a.Click("Close")
	a.WaitGone("Keyboard shortcuts", 3*time.Second)

	// W, drag, name: one box; Esc leaves draw mode without drawing
	a.Key("w")
	a.Key("Escape")
	c := v.at(100, 100)
	a.must(a.D.Drag(c.X, c.Y, c.X+80, c.Y+80))
	time.Sleep(200 * time.Millisecond)
	if _, ok := a.Find("Class of the box*"); ok {
		t.Fatal("Esc did not leave draw mode: a drag drew a box")
	}
	drawBox(a, ed, 0.3, 0.3, 0.6, 0.6, "dog")
	an := a.saved(xml)
	if len(an.Objects) != 1 || an.Objects[0].Name != "dog" {
		t.Fatalf("drawn: %+v", an.Objects)
	}
	b := an.Objects[0].Box

	// click selects; arrows nudge 1 px, Shift+arrows 10 px
	mid := v.at((b.Xmin+b.Xmax)/2, (b.Ymin+b.Ymax)/2)
	a.must(a.D.Click(mid.X, mid.Y))
	a.Key("Right")
	a.Key("shift+Down")
	an = a.saved(xml)
	if g := an.Objects[0].Box; !near(g.Xmin, b.Xmin+1) || !near(g.Ymin, b.Ymin+10) {
		t.Fatalf("nudged %+v from %+v", g, b)
	}
	b = an.Objects[0].Box

	// drag the inside: moves; drag the south-east handle: resizes
	mid = v.at((b.Xmin+b.Xmax)/2, (b.Ymin+b.Ymax)/2)
	a.must(a.D.Drag(mid.X, mid.Y, mid.X+40, mid.Y+20))
	an = a.saved(xml)
	dx, dy := 40/v.scale, 20/v.scale
	if g := an.Objects[0].Box; !near(g.Xmin, b.Xmin+dx) || !near(g.Ymin, b.Ymin+dy) || !near(g.Xmax-g.Xmin, b.Xmax-b.Xmin) {
		t.Fatalf("moved %+v from %+v by %.0f,%.0f", g, b, dx, dy)
	}
	b = an.Objects[0].Box
	se := v.at(b.Xmax, b.Ymax)
	a.must(a.D.Drag(se.X, se.Y, se.X+30, se.Y+30))
	an = a.saved(xml)
	if g := an.Objects[0].Box; !near(g.Xmin, b.Xmin) || !near(g.Xmax, b.Xmax+30/v.scale) || !near(g.Ymax, b.Ymax+30/v.scale) {
		t.Fatalf("resized %+v from %+v", g, b)
	}
	b = an.Objects[0].Box

	// X and T toggle difficult and truncated
	a.Key("x")
	a.Key("t")
	an = a.saved(xml)
	if o := an.Objects[0]; !o.Difficult || !o.Truncated {
		t.Fatalf("X, T: %+v", o)
	}

	// Ctrl+E renames the selected box; a double-click too
	a.Key("ctrl+e")
	a.WaitText("Class of the box*", 3*time.Second)
	a.Type("wolf") // the old name is selected: typing replaces it
	a.WaitText("wolf", 3*time.Second)
	a.Key("Return")
	a.WaitGone("Class of the box*", 3*time.Second)
	a.WaitText("*selected: wolf*", 3*time.Second)
	mid = v.at((b.Xmin+b.Xmax)/2, (b.Ymin+b.Ymax)/2)
	a.must(a.D.DoubleClick(mid.X, mid.Y))
	a.WaitText("Class of the box*", 3*time.Second)
	a.Key("Escape") // cancels the rename, keeps the box
	a.WaitGone("Class of the box*", 3*time.Second)
	an = a.saved(xml)
	if len(an.Objects) != 1 || an.Objects[0].Name != "wolf" {
		t.Fatalf("Ctrl+E to wolf, double-click and Esc: %+v", an.Objects)
	}

	// Ctrl+D duplicates, Del deletes
	a.Key("ctrl+d")
	if an = a.saved(xml); len(an.Objects) != 2 {
		t.Fatalf("Ctrl+D: %d boxes", len(an.Objects))
	}
	a.Key("Delete")
	if an = a.saved(xml); len(an.Objects) != 1 {
		t.Fatalf("Del: %d boxes", len(an.Objects))
	}

	// Space marks the image verified, and again unverified
	a.Key("space")
	if an = a.saved(xml); !an.Verified {
		t.Fatal("Space did not mark the image verified")
	}
	a.Key("space")
	if an = a.saved(xml); an.Verified {
		t.Fatal("a second Space did not take verified back")
	}

	// Ctrl+= shows 1:1 (the backdrop around a smaller picture), Ctrl+F fits
	edge := image.Pt(ed.Min.X+12, ed.Min.Y+ed.Dy()/2)
	a.Key("Escape") // deselect, so the box's handles are not under the probe
	a.Key("ctrl+equal")
	a.waitColorAt(edge, editorBG, 12, "Ctrl+= (1:1)")
	a.Key("ctrl+f")
	// the middle is the picture's at 1:1 too: wait for its left edge
	a.waitColorAt(v.at(8, float64(p.H)/2), p.Color, 45, "Ctrl+F (fit): the picture's left edge")

	// the wheel zooms around the pointer: a notch in at the middle pushes
	// the picture's edges out of view
	a.must(a.D.Move(ed.Min.X+ed.Dx()/2, ed.Min.Y+ed.Dy()/2))
	for i := 0; i < 6; i++ {
		a.must(a.D.Button(4, true))
		a.must(a.D.Button(4, false))
		time.Sleep(30 * time.Millisecond)
	}
	a.waitColorAt(v.at(8, float64(p.H)/2), p.Color, 45, "wheel zoom in")
	a.Key("ctrl+f")

	// Space + drag and a middle drag pan the view
	left := v.at(20, float64(p.H)/2)
	a.must(a.D.KeyDown("space"))
	c = v.at(float64(p.W)/2, float64(p.H)/2)
	a.must(a.D.Drag(c.X, c.Y, c.X+120, c.Y))
	a.must(a.D.KeyUp("space"))
	a.waitColorAt(left, editorBG, 12, "Space + drag pan")
	if an = a.saved(xml); an.Verified {
		t.Fatal("Space used for panning also toggled verified")
	}
	a.Key("ctrl+f")
	a.waitColorAt(left, p.Color, 45, "fit after the pan")
	a.must(a.D.Move(c.X, c.Y))
	a.must(a.D.Button(2, true))
	for i := 1; i <= 6; i++ {
		time.Sleep(25 * time.Millisecond)
		a.must(a.D.Move(c.X+20*i, c.Y))
	}
	a.must(a.D.Button(2, false))
	a.waitColorAt(left, editorBG, 12, "middle-drag pan")
	a.Key("ctrl+f")

	// Ctrl+O opens the folder picker; its Cancel closes it
	a.Key("ctrl+o")
	a.WaitText("Cancel", 5*time.Second)
	a.Shot("open-folder")
	a.Click("Cancel")
	a.WaitGone("Cancel", 3*time.Second)
}
