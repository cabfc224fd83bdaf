package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/internal/synth"
)

// A dropped video shows its first frame (re-filtered by the sliders like a
// picture), plays to the end with the position and fps shown, seeks, and
// saves an annotated video with detections; a save can be cancelled.
func TestPredictVideoPlayer(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	a := test.NewTempApp(t)
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	if err := synth.Video(clip, "160x120", "10", 2); err != nil {
		t.Fatal(err)
	}
	mp := shapesModel(t, dir)
	s := NewPredictScreen(a.NewWindow("t"))
	s.background = func(f func()) { f() }
	s.SetDataset(dir)
	s.SetModel(mp)
	s.Show(clip)
	v := s.video
	if !v.Content.Visible() || s.pic == nil || len(s.cands) == 0 || v.seek.Max < 1.9 {
		t.Fatalf("first frame: visible %v, pic %v, %d candidates, length %.2f s; %s", v.Content.Visible(), s.pic != nil, len(s.cands), v.seek.Max, s.status.Text)
	}
	s.conf.SetValue(0.9)
	high := len(s.shown)
	s.conf.SetValue(0.05)
	if len(s.shown) < high {
		t.Fatal("a held frame does not re-filter")
	}

	test.Tap(v.play)
	if !v.playing() || v.play.Text != "Pause" {
		t.Fatal("not playing")
	}
	waitFor(t, "the end of the clip", func() bool { return !v.playing() })
	if v.pos < 1.9 || !strings.Contains(v.fps.Text, "fps") || v.play.Text != "Play" {
		t.Fatalf("after playing: pos %.2f, %q, %q", v.pos, v.fps.Text, v.play.Text)
	}
	v.seekTo(1.0)
	if v.pos != 1.0 || !strings.Contains(s.status.Text, "0:01") {
		t.Fatalf("seek: %.2f %q", v.pos, s.status.Text)
	}
	test.Tap(v.play)
	test.Tap(v.play) // pause at once
	if v.playing() {
		t.Fatal("pause did not stop")
	}

	v.saveVideo()
	if !v.save.Disabled() || !v.prog.Visible() {
		t.Fatal("no progress while saving")
	}
	waitFor(t, "the saved video", func() bool { return !v.save.Disabled() })
	if !strings.HasPrefix(s.status.Text, "Saved 20 frames") {
		t.Fatalf("save: %q", s.status.Text)
	}
	for _, f := range []string{"clip.mp4", "detections.jsonl"} {
		if st, err := os.Stat(filepath.Join(s.lastSave, f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(s.lastSave, "detections.jsonl"))
	if !strings.Contains(string(b), `"frame":19`) {
		t.Fatal("detections.jsonl lacks the last frame")
	}

	v.saveVideo()
	test.Tap(v.cancel)
	waitFor(t, "the cancelled save", func() bool { return !v.save.Disabled() })
	if !strings.Contains(s.status.Text, "cancelled") && !strings.HasPrefix(s.status.Text, "Saved") {
		t.Fatalf("cancel: %q", s.status.Text)
	}
	t.Log(s.status.Text)

	// not a video: a clear error, and no player
	bad := filepath.Join(dir, "notes.mp4")
	os.WriteFile(bad, []byte("hello"), 0o644)
	s.Show(bad)
	if !strings.Contains(s.status.Text, "notes.mp4: not a video") {
		t.Fatalf("bad video: %q", s.status.Text)
	}
}

// A stream's address plays live at once (no seeking, no end) and pauses;
// something that is not a camera or stream is refused with why.
func TestPredictLiveStream(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	a := test.NewTempApp(t)
	dir := t.TempDir()
	mp := shapesModel(t, dir)
	url, stop, err := synth.Stream("160x120", "30", 60)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	s := NewPredictScreen(a.NewWindow("t"))
	s.background = func(f func()) { f() }
	s.SetDataset(dir)
	s.SetModel(mp)
	s.playLive("clips/walk.mp4")
	if !strings.Contains(s.status.Text, "not a camera") {
		t.Fatalf("a file as a live source: %q", s.status.Text)
	}
	s.playLive(url)
	v := s.video
	if !v.playing() || !v.seek.Disabled() {
		t.Fatalf("live: playing %v, seek disabled %v; %s", v.playing(), v.seek.Disabled(), s.status.Text)
	}
	// a live source does not end: it still plays after seconds (the
	// player's fields are read once it has stopped)
	time.Sleep(6 * time.Second)
	if !v.playing() {
		t.Fatalf("the stream ended: %s", s.status.Text)
	}
	test.Tap(v.play)
	v.players.Wait()
	if v.pos < 0.5 || !strings.Contains(v.fps.Text, "fps") || s.img.Image == nil {
		t.Fatalf("after 6 s: at %.2f s, %q", v.pos, v.fps.Text)
	}
	if v.playing() || v.play.Text != "Play" {
		t.Fatal("pause did not stop the stream")
	}
}
