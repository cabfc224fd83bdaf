//go:build linux

package guitest

import (
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/xwin"
	"github.com/labelloop/labelloop/voc"
)

// openFolder writes photos into a new dataset folder and opens the app on it.
func openFolder(t *testing.T, n int, sizes ...[2]int) (*App, string, []Photo) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "photos")
	photos := PhotoFolder(t, dir, n, sizes...)
	a := Start(t, dir)
	a.WaitText(photos[0].Name+"*", 20*time.Second)
	return a, dir, photos
}

// Going through a camera folder (every photo the same size) and through a
// folder of mixed sizes, the picture under the boxes is always the one
// named in the list: with D and A, and after a click in the list.
func TestNextShowsTheRightPicture(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes [][2]int
	}{
		{"same-size", nil},
		{"mixed-size", [][2]int{{640, 480}, {480, 640}, {1024, 576}, {333, 501}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, photos := openFolder(t, 6, tc.sizes...)
			ed := a.Editor()
			a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
			for i := 1; i < len(photos); i++ {
				a.Key("d")
				a.WaitColor(ed, photos[i].Color, 40, 3*time.Second, "D to "+photos[i].Name)
			}
			for i := len(photos) - 2; i >= 2; i-- {
				a.Key("a")
				a.WaitColor(ed, photos[i].Color, 40, 3*time.Second, "A to "+photos[i].Name)
			}
			a.Click(photos[4].Name + "*")
			a.WaitColor(ed, photos[4].Color, 40, 3*time.Second, "list click on "+photos[4].Name)
			a.Shot("list-click")
			// keys work right after the list click, without touching the canvas
			a.Key("d")
			a.WaitColor(ed, photos[5].Color, 40, 3*time.Second, "D after a list click")
			a.Click(photos[1].Name + "*")
			a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "list click on "+photos[1].Name)
			a.Key("a")
			a.WaitColor(ed, photos[0].Color, 40, 3*time.Second, "A after a list click")
		})
	}
}

// drawBox draws a box in draw mode (W) from fraction (fx0, fy0) to (fx1,
// fy1) of the editor and names it; it returns the box's screen rectangle.
func drawBox(a *App, ed image.Rectangle, fx0, fy0, fx1, fy1 float64, class string) image.Rectangle {
	a.t.Helper()
	return drawBoxKeys(a, ed, fx0, fy0, fx1, fy1, class)
}

// drawBoxKeys is drawBox with keys pressed after the class is typed.
func drawBoxKeys(a *App, ed image.Rectangle, fx0, fy0, fx1, fy1 float64, class string, keys ...string) image.Rectangle {
	a.t.Helper()
	at := func(fx, fy float64) image.Point {
		return image.Pt(ed.Min.X+int(fx*float64(ed.Dx())), ed.Min.Y+int(fy*float64(ed.Dy())))
	}
	p, q := at(fx0, fy0), at(fx1, fy1)
	a.Key("w")
	a.must(a.D.Drag(p.X, p.Y, q.X, q.Y))
	a.WaitText("Class of the box*", 3*time.Second)
	a.Type(class)
	for _, k := range keys {
		a.Key(k)
	}
	a.Key("Return")
	a.WaitGone("Class of the box*", 3*time.Second)
	return image.Rectangle{p, q}
}

// boxShown says whether a box outline is drawn along r's top edge: the
// pixels there are not the picture's colour.
func boxShown(a *App, r image.Rectangle, photo color.RGBA) bool {
	a.t.Helper()
	mid := (r.Min.X + r.Max.X) / 2
	for dy := -1; dy <= 1; dy++ {
		c, err := a.D.Mean(image.Rect(mid-6, r.Min.Y+dy, mid+6, r.Min.Y+dy+1))
		a.must(err)
		if !xwin.Near(c, photo, 60) {
			return true
		}
	}
	return false
}

func waitBox(a *App, r image.Rectangle, photo color.RGBA, want bool, what string) {
	a.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for boxShown(a, r, photo) != want {
		if time.Now().After(deadline) {
			a.Shot(sanitize(what))
			a.t.Fatalf("%s: box shown = %v, want %v", what, !want, want)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func xmlBoxes(t *testing.T, path string) []voc.Object {
	t.Helper()
	return loadXML(t, path).Objects
}

func loadXML(t *testing.T, path string) *voc.Annotation {
	t.Helper()
	an, err := voc.LoadAnnotation(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return an
}

func xmlFor(dir string, p Photo) string {
	return filepath.Join(dir, strings.TrimSuffix(p.Name, filepath.Ext(p.Name))+".xml")
}

// Undo, redo (both chords), hide and show, paste from the previous image
// and select-all chords in the real window, where Fyne maps Ctrl+Z, Ctrl+Y,
// Ctrl+V and Ctrl+A to its own shortcuts before custom ones see them.
func TestEditChords(t *testing.T) {
	a, dir, photos := openFolder(t, 3)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
	box := drawBox(a, ed, 0.3, 0.3, 0.6, 0.7, "cat")
	waitBox(a, box, photos[0].Color, true, "drawn box")
	a.Key("ctrl+s")
	if got := xmlBoxes(t, xmlFor(dir, photos[0])); len(got) != 1 || got[0].Name != "cat" {
		t.Fatalf("after drawing and Ctrl+S the XML has %v", got)
	}
	a.Key("ctrl+z")
	waitBox(a, box, photos[0].Color, false, "after Ctrl+Z")
	a.Key("ctrl+s")
	if got := xmlBoxes(t, xmlFor(dir, photos[0])); len(got) != 0 {
		t.Fatalf("after Ctrl+Z and Ctrl+S the XML has %v", got)
	}
	a.Key("ctrl+y")
	waitBox(a, box, photos[0].Color, true, "after Ctrl+Y")
	a.Key("ctrl+z")
	waitBox(a, box, photos[0].Color, false, "after the second Ctrl+Z")
	a.Key("ctrl+shift+z")
	waitBox(a, box, photos[0].Color, true, "after Ctrl+Shift+Z")
	a.Key("ctrl+h")
	waitBox(a, box, photos[0].Color, false, "after Ctrl+H")
	a.Shot("hidden")
	a.Key("ctrl+a")
	waitBox(a, box, photos[0].Color, true, "after Ctrl+A")
	a.Key("ctrl+s")
	if got := xmlBoxes(t, xmlFor(dir, photos[0])); len(got) != 1 {
		t.Fatalf("after redo and Ctrl+S the XML has %v", got)
	}
	// Ctrl+V on the next picture copies the previous picture's boxes
	a.Key("d")
	a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "D")
	a.Key("ctrl+v")
	waitBox(a, box, photos[1].Color, true, "after Ctrl+V")
	a.Key("ctrl+s")
	if got := xmlBoxes(t, xmlFor(dir, photos[1])); len(got) != 1 || got[0].Name != "cat" {
		t.Fatalf("after Ctrl+V and Ctrl+S the next XML has %v", got)
	}
	a.Shot("pasted")
}

// After a click in the list, Down and Up step through the pictures (with
// no box selected; with one, they nudge it): a new user's Down did
// nothing.
func TestUpDownStepThroughTheList(t *testing.T) {
	a, _, photos := openFolder(t, 4)
	ed := a.Editor()
	a.WaitColor(ed, photos[0].Color, 40, 5*time.Second, "first picture")
	a.Click(photos[1].Name + "*")
	a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "a click on the second row")
	a.Key("Down")
	a.WaitColor(ed, photos[2].Color, 40, 3*time.Second, "Down")
	a.Key("Up")
	a.WaitColor(ed, photos[1].Color, 40, 3*time.Second, "Up")
}
