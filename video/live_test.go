package video

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

func TestIsLive(t *testing.T) {
	for p, want := range map[string]bool{
		"/dev/video0": true, "rtsp://cam.local/stream": true, "UDP://127.0.0.1:5000": true,
		"srt://host:9000": true, "clip.mp4": false, "http://host/clip.mp4": false, "videos/rtsp.mp4": false,
	} {
		if IsLive(p) != want {
			t.Errorf("IsLive(%q) = %v", p, !want)
		}
	}
}

// From a file every frame goes through in order; from a live source a
// slow receiver gets the newest frame, numbers still counting the frames
// dropped, and every frame is either received or released, once.
func TestFrames(t *testing.T) {
	for _, live := range []bool{false, true} {
		const total = 200
		n := 0
		next := func() (int, error) {
			if n == total {
				return 0, io.EOF
			}
			n++
			return n - 1, nil
		}
		var mu sync.Mutex
		released := map[int]int{}
		release := func(f int) { mu.Lock(); released[f]++; mu.Unlock() }
		errc := make(chan error, 1)
		last, got := -1, 0
		for f := range Frames(context.Background(), next, release, live, errc) {
			if f.N != f.Frame || f.N <= last || !live && f.N != last+1 {
				t.Fatalf("live %v: frame %d (%d) after %d", live, f.N, f.Frame, last)
			}
			last = f.N
			got++
			if live {
				time.Sleep(time.Millisecond) // far slower than the source
			}
		}
		if len(errc) != 0 {
			t.Fatal(<-errc)
		}
		for f, c := range released {
			if c != 1 {
				t.Fatalf("frame %d released %d times", f, c)
			}
		}
		if got+len(released) != total || last != total-1 {
			t.Fatalf("live %v: %d received + %d released of %d, last %d", live, got, len(released), total, last)
		}
		if live && got > total/3 {
			t.Fatalf("a slow receiver got %d of %d frames: none dropped", got, total)
		}
	}
	// an error other than EOF reaches errc; a cancelled context stops it
	errc := make(chan error, 1)
	for range Frames(context.Background(), func() (int, error) { return 0, errors.New("broken") }, func(int) {}, true, errc) {
	}
	if err := <-errc; err.Error() != "broken" {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range Frames(ctx, func() (int, error) { return 1, nil }, func(int) {}, false, errc) {
	}
}

func TestSourceName(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://admin:secret@192.168.1.20:554/h264?x=1": "rtsp://192.168.1.20:554/h264?x=1",
		"rtsp://cam/a@b":       "rtsp://cam/a@b",
		"udp://127.0.0.1:5000": "udp://127.0.0.1:5000",
		"/dev/video0":          "/dev/video0",
		"clips/a@b.mp4":        "clips/a@b.mp4",
	} {
		if got := SourceName(in); got != want {
			t.Errorf("SourceName(%q) = %q, want %q", in, got, want)
		}
	}
}
