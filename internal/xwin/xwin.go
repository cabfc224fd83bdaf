// Package xwin drives a real X window the way a person does: key presses
// and pointer moves go through the XTEST extension (the events the X
// server would get from a keyboard and a mouse), and what the person would
// look at is read back from the screen's pixels. The real-window tests use
// it against Xvfb; it has no Fyne in it.
package xwin

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"log"
	"strings"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// Display is a connection to one X display.
type Display struct {
	conn   *xgb.Conn
	root   xproto.Window
	width  int
	height int
	codes  map[xproto.Keysym]keyCode // keysym → keycode (and whether Shift is needed)
}

type keyCode struct {
	code  xproto.Keycode
	shift bool
}

func init() {
	// xgb logs each connection's missing ~/.Xauthority (Xvfb needs none)
	xgb.Logger = log.New(io.Discard, "", 0)
}

// Open connects to display (":99"; "" means $DISPLAY).
func Open(display string) (*Display, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	if err := xtest.Init(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("no XTEST extension on X display %q: %w", display, err)
	}
	setup := xproto.Setup(c)
	scr := setup.DefaultScreen(c)
	d := &Display{conn: c, root: scr.Root, width: int(scr.WidthInPixels), height: int(scr.HeightInPixels)}
	if err := d.loadKeymap(setup); err != nil {
		c.Close()
		return nil, err
	}
	return d, nil
}

// Close ends the connection.
func (d *Display) Close() { d.conn.Close() }

// Size is the screen's size in pixels.
func (d *Display) Size() (int, int) { return d.width, d.height }

func (d *Display) loadKeymap(setup *xproto.SetupInfo) error {
	first, n := setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)
	m, err := xproto.GetKeyboardMapping(d.conn, first, n).Reply()
	if err != nil {
		return fmt.Errorf("read the keyboard mapping: %w", err)
	}
	per := int(m.KeysymsPerKeycode)
	d.codes = map[xproto.Keysym]keyCode{}
	for i := 0; i < int(n); i++ {
		for col := 0; col < per && col < 2; col++ {
			sym := m.Keysyms[i*per+col]
			if sym == 0 {
				continue
			}
			if _, ok := d.codes[sym]; !ok {
				d.codes[sym] = keyCode{code: first + xproto.Keycode(i), shift: col == 1}
			}
		}
	}
	return nil
}

// keysyms of the named keys the tests press; single characters map to
// their Latin-1 keysym.
var keysyms = map[string]xproto.Keysym{
	"ctrl": 0xffe3, "shift": 0xffe1, "alt": 0xffe9,
	"escape": 0xff1b, "return": 0xff0d, "enter": 0xff0d, "tab": 0xff09, "backspace": 0xff08, "delete": 0xffff,
	"left": 0xff51, "up": 0xff52, "right": 0xff53, "down": 0xff54, "home": 0xff50, "end": 0xff57,
	"space": 0x20, "f1": 0xffbe, "f2": 0xffbf, "equal": 0x3d, "minus": 0x2d,
}

func (d *Display) lookup(name string) (keyCode, error) {
	sym, ok := keysyms[strings.ToLower(name)]
	if !ok {
		r := []rune(name)
		if len(r) != 1 {
			return keyCode{}, fmt.Errorf("unknown key %q", name)
		}
		sym = xproto.Keysym(r[0])
	}
	k, ok := d.codes[sym]
	if !ok {
		return keyCode{}, fmt.Errorf("no keycode for key %q in the keyboard mapping", name)
	}
	return k, nil
}

func (d *Display) fake(typ byte, detail byte, x, y int16) error {
	return xtest.FakeInputChecked(d.conn, typ, detail, 0, d.root, x, y, 0).Check()
}

// Key presses a chord such as "d", "F1", "ctrl+z", "ctrl+shift+z" or "?":
// modifiers go down in order, the key is pressed and released, then the
// modifiers come up in reverse, as fingers do.
func (d *Display) Key(chord string) error {
	parts := strings.Split(chord, "+")
	if chord == "+" || strings.HasSuffix(chord, "++") {
		parts = append(parts[:len(parts)-2], "+")
	}
	var codes []keyCode
	for _, p := range parts {
		k, err := d.lookup(p)
		if err != nil {
			return err
		}
		codes = append(codes, k)
	}
	last := codes[len(codes)-1]
	if last.shift {
		sh, _ := d.lookup("shift")
		codes = append(codes[:len(codes)-1], sh, last)
	}
	for _, k := range codes[:len(codes)-1] {
		if err := d.fake(xproto.KeyPress, byte(k.code), 0, 0); err != nil {
			return err
		}
	}
	if err := d.fake(xproto.KeyPress, byte(last.code), 0, 0); err != nil {
		return err
	}
	if err := d.fake(xproto.KeyRelease, byte(last.code), 0, 0); err != nil {
		return err
	}
	for i := len(codes) - 2; i >= 0; i-- {
		if err := d.fake(xproto.KeyRelease, byte(codes[i].code), 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// KeyDown and KeyUp press or release one key alone (Space held for panning).
func (d *Display) KeyDown(name string) error { return d.keyEvent(name, xproto.KeyPress) }
func (d *Display) KeyUp(name string) error   { return d.keyEvent(name, xproto.KeyRelease) }

func (d *Display) keyEvent(name string, typ byte) error {
	k, err := d.lookup(name)
	if err != nil {
		return err
	}
	return d.fake(typ, byte(k.code), 0, 0)
}

// Type types text one key at a time with a short pause, as a person does.
func (d *Display) Type(text string) error {
	for _, r := range text {
		if err := d.Key(string(r)); err != nil {
			return err
		}
		time.Sleep(15 * time.Millisecond)
	}
	return nil
}

// Move puts the pointer at a screen position.
func (d *Display) Move(x, y int) error {
	return d.fake(xproto.MotionNotify, 0, int16(x), int16(y))
}

// Button presses (down) or releases button 1 (left), 2 (middle) or 3.
func (d *Display) Button(button int, down bool) error {
	typ := byte(xproto.ButtonRelease)
	if down {
		typ = xproto.ButtonPress
	}
	return d.fake(typ, byte(button), 0, 0)
}

// Click moves to (x, y) and clicks the left button.
func (d *Display) Click(x, y int) error {
	if err := d.Move(x, y); err != nil {
		return err
	}
	time.Sleep(30 * time.Millisecond)
	if err := d.Button(1, true); err != nil {
		return err
	}
	time.Sleep(30 * time.Millisecond)
	return d.Button(1, false)
}

// DoubleClick clicks twice quickly at (x, y).
func (d *Display) DoubleClick(x, y int) error {
	if err := d.Click(x, y); err != nil {
		return err
	}
	time.Sleep(60 * time.Millisecond)
	if err := d.Button(1, true); err != nil {
		return err
	}
	time.Sleep(20 * time.Millisecond)
	return d.Button(1, false)
}

// Drag presses the left button at (x0, y0), moves to (x1, y1) in steps
// with pauses (a hand is not a teleport), and releases it there.
func (d *Display) Drag(x0, y0, x1, y1 int) error {
	if err := d.Move(x0, y0); err != nil {
		return err
	}
	time.Sleep(40 * time.Millisecond)
	if err := d.Button(1, true); err != nil {
		return err
	}
	const steps = 8
	for i := 1; i <= steps; i++ {
		time.Sleep(25 * time.Millisecond)
		if err := d.Move(x0+(x1-x0)*i/steps, y0+(y1-y0)*i/steps); err != nil {
			return err
		}
	}
	time.Sleep(60 * time.Millisecond)
	return d.Button(1, false)
}

// Grab reads a rectangle of the screen as it is shown now.
func (d *Display) Grab(r image.Rectangle) (*image.RGBA, error) {
	r = r.Intersect(image.Rect(0, 0, d.width, d.height))
	if r.Empty() {
		return nil, errors.New("grab: rectangle is off the screen")
	}
	rep, err := xproto.GetImage(d.conn, xproto.ImageFormatZPixmap, xproto.Drawable(d.root),
		int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), 0xffffffff).Reply()
	if err != nil {
		return nil, fmt.Errorf("grab the screen: %w", err)
	}
	img := image.NewRGBA(r)
	if len(rep.Data) < 4*r.Dx()*r.Dy() {
		return nil, fmt.Errorf("grab: %d bytes for %v (not a 24/32-bit screen?)", len(rep.Data), r)
	}
	for i := 0; i < r.Dx()*r.Dy(); i++ { // ZPixmap at depth 24 is B, G, R, pad
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = rep.Data[4*i+2], rep.Data[4*i+1], rep.Data[4*i], 0xff
	}
	return img, nil
}

// Screen grabs the whole screen.
func (d *Display) Screen() (*image.RGBA, error) {
	return d.Grab(image.Rect(0, 0, d.width, d.height))
}

// Mean is the mean colour of a rectangle of the screen.
func (d *Display) Mean(r image.Rectangle) (color.RGBA, error) {
	img, err := d.Grab(r)
	if err != nil {
		return color.RGBA{}, err
	}
	return MeanColor(img), nil
}

// MeanColor averages an image's pixels.
func MeanColor(img *image.RGBA) color.RGBA {
	var s [3]int
	n := 0
	for i := 0; i+3 < len(img.Pix); i += 4 {
		s[0] += int(img.Pix[i])
		s[1] += int(img.Pix[i+1])
		s[2] += int(img.Pix[i+2])
		n++
	}
	if n == 0 {
		return color.RGBA{}
	}
	return color.RGBA{uint8(s[0] / n), uint8(s[1] / n), uint8(s[2] / n), 0xff}
}

// Near says whether two colours differ by at most tol in every channel.
func Near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

// FindWindow waits up to limit for a top-level window whose title is name
// and returns it.
func (d *Display) FindWindow(name string, limit time.Duration) (xproto.Window, error) {
	deadline := time.Now().Add(limit)
	for {
		if w, ok := d.findIn(d.root, name, 0); ok {
			return w, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no window titled %q appeared within %v", name, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *Display) findIn(w xproto.Window, name string, depth int) (xproto.Window, bool) {
	if depth > 3 {
		return 0, false
	}
	tree, err := xproto.QueryTree(d.conn, w).Reply()
	if err != nil {
		return 0, false
	}
	for _, c := range tree.Children {
		p, err := xproto.GetProperty(d.conn, false, c, xproto.AtomWmName, xproto.GetPropertyTypeAny, 0, 256).Reply()
		if err == nil && string(p.Value) == name {
			if a, err := xproto.GetWindowAttributes(d.conn, c).Reply(); err == nil && a.MapState == xproto.MapStateViewable {
				return c, true
			}
		}
		if f, ok := d.findIn(c, name, depth+1); ok {
			return f, true
		}
	}
	return 0, false
}

// Rect is a window's rectangle on the screen.
func (d *Display) Rect(w xproto.Window) (image.Rectangle, error) {
	g, err := xproto.GetGeometry(d.conn, xproto.Drawable(w)).Reply()
	if err != nil {
		return image.Rectangle{}, fmt.Errorf("window geometry: %w", err)
	}
	t, err := xproto.TranslateCoordinates(d.conn, w, d.root, 0, 0).Reply()
	if err != nil {
		return image.Rectangle{}, fmt.Errorf("window position: %w", err)
	}
	return image.Rect(int(t.DstX), int(t.DstY), int(t.DstX)+int(g.Width), int(t.DstY)+int(g.Height)), nil
}

// Resize asks for a new window size, as a window manager would on a
// drag of the window's corner.
func (d *Display) Resize(w xproto.Window, width, height int) error {
	return xproto.ConfigureWindowChecked(d.conn, w, xproto.ConfigWindowWidth|xproto.ConfigWindowHeight,
		[]uint32{uint32(width), uint32(height)}).Check()
}

// MoveWindow places a window's top-left corner.
func (d *Display) MoveWindow(w xproto.Window, x, y int) error {
	return xproto.ConfigureWindowChecked(d.conn, w, xproto.ConfigWindowX|xproto.ConfigWindowY,
		[]uint32{uint32(x), uint32(y)}).Check()
}

// Focus gives a window the keyboard focus, as clicking its title bar does.
func (d *Display) Focus(w xproto.Window) error {
	return xproto.SetInputFocusChecked(d.conn, xproto.InputFocusParent, w, xproto.TimeCurrentTime).Check()
}

// Raise puts a window above its siblings, as clicking it does under a
// window manager.
func (d *Display) Raise(w xproto.Window) error {
	return xproto.ConfigureWindowChecked(d.conn, w, xproto.ConfigWindowStackMode,
		[]uint32{xproto.StackModeAbove}).Check()
}
