//go:build linux

package guitest

import (
	"fmt"
	"testing"
	"time"
)

// The window works at 1024×640 (a small laptop) and still opens at
// 800×600: it takes the size it is given, and the main controls stay on
// screen. Screenshots of each tab at each size are for a person to look at.
func TestSmallWindow(t *testing.T) {
	a, _, photos := openFolder(t, 3)
	for _, sz := range [][2]int{{1024, 640}, {800, 600}} {
		a.must(a.D.Resize(a.Win, sz[0], sz[1]))
		time.Sleep(800 * time.Millisecond)
		r, err := a.D.Rect(a.Win)
		a.must(err)
		if r.Dx() != sz[0] || r.Dy() != sz[1] {
			t.Errorf("asked for %dx%d, the window is %dx%d", sz[0], sz[1], r.Dx(), r.Dy())
		}
		name := fmt.Sprintf("%dx%d", sz[0], sz[1])
		for _, tab := range []string{"Label", "Dataset", "Train", "Export", "Predict"} {
			a.Click(tab)
			time.Sleep(300 * time.Millisecond)
			a.Shot(name + "-" + tab)
		}
		a.Click("Label")
		ed := a.Editor()
		if !ed.In(r) || ed.Dx() < 300 || ed.Dy() < 200 {
			t.Errorf("%s: the picture area %v is not inside the window %v or too small", name, ed, r)
		}
		a.WaitColor(ed, photos[0].Color, 40, 3*time.Second, name+" picture")
	}
}
