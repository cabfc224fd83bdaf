package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
	_ "unsafe" // go:linkname, below

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// The real-window tests (guitest/) drive the app with X key and pointer
// events only. To know where to click they ask, as a person reads the
// screen, where each visible text is: with LABELLOOP_TESTHOOK=DIR the
// window writes DIR/screen.json (every visible text with its rectangle
// in window pixels) each time DIR/req appears. Nothing else is changed
// or driven through it; without the variable nothing runs.

// cachedRenderer is Fyne's own renderer cache: a widget's drawn parts
// are reachable through it only.
//
//go:linkname cachedRenderer fyne.io/fyne/v2/internal/cache.CachedRenderer
func cachedRenderer(wid fyne.Widget) (fyne.WidgetRenderer, bool)

// ScreenText is one text on screen, in window pixels.
type ScreenText struct {
	Text       string `json:"text"`
	X, Y, W, H int
}

func startTestHook(w fyne.Window) {
	dir := os.Getenv("LABELLOOP_TESTHOOK")
	if dir == "" {
		return
	}
	go func() {
		req := filepath.Join(dir, "req")
		for range time.Tick(20 * time.Millisecond) {
			if _, err := os.Stat(req); err != nil {
				continue
			}
			var texts []ScreenText
			fyne.DoAndWait(func() { texts = screenTexts(w.Canvas()) })
			b, _ := json.Marshal(texts)
			tmp := filepath.Join(dir, "screen.json.tmp")
			if os.WriteFile(tmp, b, 0o644) == nil {
				os.Rename(tmp, filepath.Join(dir, "screen.json"))
			}
			os.Remove(req)
		}
	}()
}

// screenTexts walks what is drawn, overlays (dialogs, menus) last, and
// lists each visible text inside the scroll areas that show it.
func screenTexts(c fyne.Canvas) []ScreenText {
	var out []ScreenText
	scale := c.Scale()
	full := clip{0, 0, c.Size().Width, c.Size().Height}
	var walk func(o fyne.CanvasObject, at fyne.Position, cl clip)
	walk = func(o fyne.CanvasObject, at fyne.Position, cl clip) {
		if o == nil || !o.Visible() {
			return
		}
		p := at.Add(o.Position())
		s := o.Size()
		if _, ok := o.(*container.Scroll); ok {
			cl = cl.and(clip{p.X, p.Y, p.X + s.Width, p.Y + s.Height})
		}
		switch t := o.(type) {
		case *Editor: // the picture area has no text: named for the tests
			out = append(out, ScreenText{"\x00editor", int(p.X * scale), int(p.Y * scale), int(s.Width * scale), int(s.Height * scale)})
		case *canvas.Text:
			r := cl.and(clip{p.X, p.Y, p.X + s.Width, p.Y + s.Height})
			if t.Text != "" && r.x1 > r.x0 && r.y1 > r.y0 {
				out = append(out, ScreenText{t.Text, int(r.x0 * scale), int(r.y0 * scale), int((r.x1 - r.x0) * scale), int((r.y1 - r.y0) * scale)})
			}
		case *fyne.Container:
			for _, k := range t.Objects {
				walk(k, p, cl)
			}
		case fyne.Widget:
			if r, ok := cachedRenderer(t); ok {
				for _, k := range r.Objects() {
					walk(k, p, cl)
				}
			}
		}
	}
	walk(c.Content(), fyne.Position{}, full)
	for _, o := range c.Overlays().List() {
		walk(o, fyne.Position{}, full)
	}
	return out
}

type clip struct{ x0, y0, x1, y1 float32 }

func (a clip) and(b clip) clip {
	return clip{max(a.x0, b.x0), max(a.y0, b.y0), min(a.x1, b.x1), min(a.y1, b.y1)}
}
