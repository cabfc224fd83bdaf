package synth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	p := filepath.Join(t.TempDir(), "c.mp4")
	if err := Video(p, "64x48", "10", 0.5); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Fatalf("no clip: %v", err)
	}
	if n, err := CountFrames(p); err != nil || n != 5 {
		t.Fatalf("half a second at 10 fps: %d frames, %v", n, err)
	}
	if _, err := CountFrames(filepath.Join(t.TempDir(), "none.mp4")); err == nil || !strings.Contains(err.Error(), "none.mp4") {
		t.Fatalf("a missing file: %v", err)
	}
	// x264's yuv420p refuses odd sizes: the error says which file
	if err := Video(p, "63x47", "10", 0.5); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("odd size with x264: %v", err)
	}
}

// ffmpeg reads frames from the stream's address.
func TestStream(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	url, stop, err := Stream("64x48", "30", 20)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	out, err := exec.Command("ffmpeg", "-v", "error", "-analyzeduration", "1000000", "-i", url, "-frames:v", "40",
		"-f", "framecrc", "-").Output()
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	if n := strings.Count(string(out), "\n0,"); n != 40 {
		t.Fatalf("%d frames from %s:\n%s", n, url, out)
	}
}
