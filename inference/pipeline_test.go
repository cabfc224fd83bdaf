package inference

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/video"
)

// smallDetector is the fixture-weight MobileNetV2 at 160 with 3 classes.
func smallDetector(t *testing.T) *Detector {
	g, err := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 160})
	if err != nil {
		t.Fatal(err)
	}
	data, err := onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Classes: []string{"a", "b", "c"}, Anchors: model.DefaultAnchors})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.onnx")
	os.WriteFile(p, data, 0o644)
	det, err := Load(p, LoadOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := det.Close(); err != nil {
			t.Error(err)
		}
	})
	return det
}

// A saved video has every frame, the source's size and rate, and the
// frames are seen in order; odd sizes (no yuv420p) go the RGBA way and
// come out a pixel larger, as x264 needs even sizes.
func TestProcessVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	det := smallDetector(t)
	for _, c := range []struct {
		size, rate string
		codec      []string
		w, h       int
	}{
		{"320x240", "30000/1001", nil, 320, 240},
		{"161x121", "10", []string{"-c:v", "mpeg4"}, 162, 122},
	} {
		clip := filepath.Join(t.TempDir(), "clip.mp4")
		if err := synth.Video(clip, c.size, c.rate, 1, c.codec...); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out.mp4")
		var seen []int
		n, err := ProcessVideo(context.Background(), det, clip, detect.DisplayThresholds, out, func(i int, _ []detect.Detection) { seen = append(seen, i) })
		if err != nil {
			t.Fatalf("%s: %v", c.size, err)
		}
		for i, s := range seen {
			if s != i {
				t.Fatalf("%s: frames seen out of order: %v", c.size, seen)
			}
		}
		info, err := video.ProbeVideo(out)
		if err != nil {
			t.Fatal(err)
		}
		src, _ := video.ProbeVideo(clip)
		frames, _ := synth.CountFrames(out)
		if info.Width != c.w || info.Height != c.h || math.Abs(info.FPS-src.FPS) > 1e-3 || frames != n || n != len(seen) || n < 10 {
			t.Fatalf("%s: wrote %+v with %d frames from %+v (%d processed, %d seen)", c.size, info, frames, src, n, len(seen))
		}
	}
}

// Not a video: ffmpeg's own words, and no output file.
func TestProcessVideoNotAVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	det := smallDetector(t)
	fake := filepath.Join(t.TempDir(), "notes.mp4")
	os.WriteFile(fake, []byte("this is text"), 0o644)
	out := filepath.Join(t.TempDir(), "out.mp4")
	_, err := ProcessVideo(context.Background(), det, fake, detect.DisplayThresholds, out, nil)
	if err == nil || !strings.Contains(err.Error(), "not a video ffmpeg can read") || !strings.Contains(err.Error(), "Invalid data") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("an output file was left: %v", err)
	}
}

// A live stream with a detector slower than the source: what is processed
// keeps up with the source (frames dropped, not queued), the saved video
// keeps the source's time (the last frame repeated where frames were
// dropped), and stopping ends it with everything so far saved.
func TestProcessLiveStream(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	det := smallDetector(t)
	url, stop, err := synth.Stream("320x240", "60", 60)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	out := filepath.Join(t.TempDir(), "live.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first, last time.Time
	start := time.Now()
	var seen []int
	n, err := ProcessVideo(ctx, det, url, detect.DisplayThresholds, out, func(i int, _ []detect.Detection) {
		now := time.Now()
		if seen == nil {
			first = now
		}
		seen, last = append(seen, i), now
		time.Sleep(40 * time.Millisecond) // 25 frames a second, the source gives 60
		if now.Sub(first) > 3*time.Second {
			cancel()
		}
	})
	t.Logf("first frame after %v", first.Sub(start))
	t.Logf("returned %v after the last frame", time.Since(last))
	if !errors.Is(err, context.Canceled) || n != len(seen) || n < 20 {
		t.Fatalf("%d frames, %v", n, err)
	}
	// behind by no more than a few frames: queued, it would be 60-25 frames
	// further behind every second
	span := seen[len(seen)-1] - seen[0]
	want := last.Sub(first).Seconds() * 60
	if float64(span) < want-20 || len(seen) > span/2+2 {
		t.Fatalf("frames %d..%d (%d processed) in %.2f s of a 60 fps stream: about %.0f expected", seen[0], seen[len(seen)-1], len(seen), last.Sub(first).Seconds(), want)
	}
	got, err := synth.CountFrames(out)
	if err != nil {
		t.Fatal(err)
	}
	if got != seen[len(seen)-1]-seen[0]+1 {
		t.Fatalf("saved %d frames for stream frames %d..%d", got, seen[0], seen[len(seen)-1])
	}
}
