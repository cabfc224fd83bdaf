//go:build linux

// Package guitest is the real-window acceptance suite: it starts the
// labelloop binary as built for users on its own Xvfb display, drives it
// only with X key and pointer events (XTEST, as xdotool does), and checks
// what a person would check: the files on disk and the pixels on screen.
// `make test-gui` runs it (LABELLOOP_GUI=1); elsewhere it is skipped.
package guitest

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/labelloop/labelloop/internal/syncbuf"
	"github.com/labelloop/labelloop/internal/xwin"
)

var (
	display string // the suite's Xvfb, ":N"
	binDir  string // where labelloop and labelloop-train are
	shotDir string // screenshots a person looks at
)

func TestMain(m *testing.M) {
	if os.Getenv("LABELLOOP_GUI") != "1" {
		fmt.Println("guitest: skipped (the real-window suite runs with `make test-gui`)")
		os.Exit(0)
	}
	binDir, _ = filepath.Abs(envOr("LABELLOOP_BIN_DIR", "../bin"))
	if _, err := os.Stat(filepath.Join(binDir, "labelloop")); err != nil {
		fmt.Fprintf(os.Stderr, "guitest: no labelloop binary in %s (make build)\n", binDir)
		os.Exit(1)
	}
	shotDir, _ = filepath.Abs(envOr("LABELLOOP_SHOTS", "../screenshots/gui"))
	os.MkdirAll(shotDir, 0o755)
	stop, err := startXvfb()
	if err != nil {
		fmt.Fprintln(os.Stderr, "guitest:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// startXvfb starts a display of its own (CI has none), as scripts/xvfb.sh.
func startXvfb() (func(), error) {
	for n := 140; n < 200; n++ {
		if displayInUse(n) {
			continue
		}
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start Xvfb (make setup installs it): %w", err)
		}
		for i := 0; i < 100; i++ {
			if d, err := xwin.Open(fmt.Sprintf(":%d", n)); err == nil {
				d.Close()
				display = fmt.Sprintf(":%d", n)
				// SIGTERM lets Xvfb remove its lock file (SIGKILL left them)
				return func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	return nil, fmt.Errorf("could not start Xvfb")
}

// displayInUse says whether display :n is taken; a lock file left by an
// Xvfb that was killed is removed.
func displayInUse(n int) bool {
	lock := fmt.Sprintf("/tmp/.X%d-lock", n)
	b, err := os.ReadFile(lock)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil && syscall.Kill(pid, 0) != nil {
		os.Remove(lock)
		os.Remove(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		return false
	}
	return true
}

// App is one running labelloop window.
type App struct {
	t    *testing.T
	D    *xwin.Display
	Win  xproto.Window
	cmd  *exec.Cmd
	hook string // LABELLOOP_TESTHOOK folder
	Home string
	log  *syncbuf.Buffer
	done chan struct{}
}

// Start runs the app (args as a user types them) with a fresh home folder,
// waits for its window and gives it the keyboard focus.
func Start(t *testing.T, args ...string) *App {
	t.Helper()
	home := t.TempDir()
	return StartHome(t, home, args...)
}

// StartHome is Start with a given home folder (settings kept between runs).
func StartHome(t *testing.T, home string, args ...string) *App {
	t.Helper()
	a := &App{t: t, hook: t.TempDir(), Home: home, log: &syncbuf.Buffer{}, done: make(chan struct{})}
	a.cmd = exec.Command(filepath.Join(binDir, "labelloop"), args...)
	a.cmd.Env = append(os.Environ(), "DISPLAY="+display, "LIBGL_ALWAYS_SOFTWARE=1", "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "LABELLOOP_TESTHOOK="+a.hook,
		"LABELLOOP_TRAIN="+filepath.Join(binDir, "labelloop-train"))
	a.cmd.Stdout, a.cmd.Stderr = a.log, a.log
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.cmd.Wait(); close(a.done) }()
	t.Cleanup(a.Quit)
	d, err := xwin.Open(display)
	if err != nil {
		t.Fatal(err)
	}
	a.D = d
	a.Win, err = d.FindWindow("LabelLoop", 30*time.Second)
	if err != nil {
		t.Fatalf("%v; app log:\n%s", err, a.log.String())
	}
	a.D.MoveWindow(a.Win, 0, 0)
	a.WaitText("Open folder…", 20*time.Second)
	a.D.Focus(a.Win)
	time.Sleep(200 * time.Millisecond)
	return a
}

// Quit ends the app (the window's own close would ask about unsaved work).
func (a *App) Quit() {
	if a.cmd.Process != nil {
		a.cmd.Process.Kill()
		<-a.done
	}
	if a.D != nil {
		a.D.Close()
		a.D = nil
	}
	if strings.Contains(a.log.String(), "does not define a") {
		a.t.Errorf("Fyne's file dialog complained on stderr:\n%s", a.log.String())
	}
	if a.t.Failed() {
		a.t.Logf("app log:\n%s", a.log.String())
	}
}

// Log is what the app printed so far.
func (a *App) Log() string { return a.log.String() }

// Exited says whether the process has ended (a crash, for instance).
func (a *App) Exited() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// Origin is the window's top-left corner on the screen.
func (a *App) Origin() image.Point {
	r, err := a.D.Rect(a.Win)
	if err != nil {
		a.t.Fatal(err)
	}
	return r.Min
}

// Texts asks the window where its visible texts are (the test hook).
func (a *App) Texts() []Text {
	a.t.Helper()
	out := filepath.Join(a.hook, "screen.json")
	os.Remove(out)
	if err := os.WriteFile(filepath.Join(a.hook, "req"), nil, 0o644); err != nil {
		a.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(out); err == nil {
			var ts []Text
			if err := json.Unmarshal(b, &ts); err != nil {
				a.t.Fatal(err)
			}
			o := a.Origin()
			for i := range ts {
				ts[i].X += o.X
				ts[i].Y += o.Y
			}
			return ts
		}
		if a.Exited() {
			a.t.Fatalf("the app exited; log:\n%s", a.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.t.Fatalf("the window did not answer the test hook; log:\n%s", a.log.String())
	return nil
}

// Text is a visible text in screen pixels.
type Text struct {
	Text       string `json:"text"`
	X, Y, W, H int
}

// Center is the middle of the text.
func (t Text) Center() image.Point { return image.Pt(t.X+t.W/2, t.Y+t.H/2) }

// Rect is the text's rectangle.
func (t Text) Rect() image.Rectangle { return image.Rect(t.X, t.Y, t.X+t.W, t.Y+t.H) }

// Find is the first visible text that matches pattern ("*" stands for
// any run of characters), and whether there is one.
func (a *App) Find(pattern string) (Text, bool) {
	for _, t := range a.Texts() {
		if glob(pattern, t.Text) {
			return t, true
		}
	}
	return Text{}, false
}

// glob matches s against a pattern whose only wildcard is "*" (file
// paths in texts hold slashes, which path.Match would not cross).
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// WaitText waits until s is visible.
func (a *App) WaitText(s string, limit time.Duration) Text {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if t, ok := a.Find(s); ok {
			return t
		}
		if time.Now().After(deadline) {
			a.Shot("missing-" + sanitize(s))
			a.t.Fatalf("%q did not appear within %v (screenshot %s)", s, limit, sanitize(s))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitGone waits until s is no longer visible.
func (a *App) WaitGone(s string, limit time.Duration) {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if _, ok := a.Find(s); !ok {
			return
		}
		if time.Now().After(deadline) {
			a.Shot("still-" + sanitize(s))
			a.t.Fatalf("%q still shown after %v", s, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Click clicks a visible text, as a person clicks a button's label.
func (a *App) Click(s string) {
	a.t.Helper()
	t := a.WaitText(s, 10*time.Second)
	c := t.Center()
	a.must(a.D.Click(c.X, c.Y))
	time.Sleep(150 * time.Millisecond)
}

// pickPictures opens the Predict tab's picker, goes into folder (a
// subfolder of where it opens, "" to stay) and opens the named files.
func (a *App) pickPictures(folder string, names ...string) {
	a.t.Helper()
	a.Click("Open…")
	a.WaitText("Pictures and videos to predict on", 5*time.Second)
	if folder != "" {
		a.Click("» " + folder + "/")
	}
	for _, n := range names {
		a.Click("[ ] " + n)
	}
	if len(names) == 1 {
		a.Click("Open 1 file")
	} else {
		a.Click(fmt.Sprintf("Open %d files", len(names)))
	}
}

// Key presses a chord ("d", "ctrl+z", "F1").
func (a *App) Key(chord string) {
	a.t.Helper()
	a.must(a.D.Key(chord))
	time.Sleep(120 * time.Millisecond)
}

// Type types text.
func (a *App) Type(s string) {
	a.t.Helper()
	a.must(a.D.Type(s))
	time.Sleep(100 * time.Millisecond)
}

func (a *App) must(err error) {
	a.t.Helper()
	if err != nil {
		a.t.Fatal(err)
	}
}

// Editor is the picture area on screen.
func (a *App) Editor() image.Rectangle {
	a.t.Helper()
	for _, t := range a.Texts() {
		if t.Text == "\x00editor" {
			return t.Rect()
		}
	}
	a.t.Fatal("no editor on screen")
	return image.Rectangle{}
}

// CenterColor is the mean colour of a small patch at the middle of r.
func (a *App) CenterColor(r image.Rectangle) color.RGBA {
	a.t.Helper()
	c := r.Min.Add(r.Size().Div(2))
	col, err := a.D.Mean(image.Rect(c.X-10, c.Y-10, c.X+10, c.Y+10))
	a.must(err)
	return col
}

// WaitColor waits until the middle of r shows want (within tol).
func (a *App) WaitColor(r image.Rectangle, want color.RGBA, tol int, limit time.Duration, what string) {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := a.CenterColor(r)
		if xwin.Near(got, want, tol) {
			return
		}
		if time.Now().After(deadline) {
			a.Shot("color-" + sanitize(what))
			a.t.Fatalf("%s: the picture's middle shows %v, want %v (screenshot color-%s)", what, got, want, sanitize(what))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Shot saves the screen as shotDir/TEST-name.png for a person to look at.
func (a *App) Shot(name string) string {
	img, err := a.D.Screen()
	if err != nil {
		a.t.Log(err)
		return ""
	}
	p := filepath.Join(shotDir, sanitize(a.t.Name())+"-"+name+".png")
	f, err := os.Create(p)
	if err != nil {
		a.t.Log(err)
		return ""
	}
	defer f.Close()
	png.Encode(f, img)
	return p
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
