//go:build linux

package guitest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/internal/weights/weightstest"
	"github.com/labelloop/labelloop/model"
)

// vocMirror serves a VOC detector made in the test (the seed's names and
// shapes for MobileNetV2, 20 classes) at a pace that leaves the download
// on screen for a few seconds, and points the app's cache into home.
func vocMirror(t *testing.T, home string) *weightstest.Server {
	t.Helper()
	det, err := weightstest.Detector(t.TempDir(), model.MobileNetV2, 20)
	if err != nil {
		t.Fatal(err)
	}
	s := weightstest.NewServer(map[string][]byte{"yolov4_mobilenet_v2_voc.pth": weightstest.Read(det)})
	s.Pace = 8 * time.Millisecond // 64 KiB each: ~5 s for the file
	t.Cleanup(s.Close)
	t.Setenv(weights.URLEnv, s.URL)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	return s
}

// waitPercent waits for a download's status line (pattern) to show a
// download between a tenth and nine tenths done, for the screenshot.
func (a *App) waitPercent(pattern string, limit time.Duration) {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if t, ok := a.Find(pattern); ok {
			var done, total float64
			i := strings.Index(t.Text, ": ")
			if _, err := fmt.Sscanf(strings.ReplaceAll(t.Text[i+2:], " MB", ""), "%g of %g", &done, &total); err == nil && total > 0 && done/total >= 0.1 && done/total <= 0.9 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.Shot("missing-" + sanitize(pattern))
	a.t.Fatalf("no download between 10%% and 90%% shown as %q within %v", pattern, limit)
}

// splitShapes is a tiny labelled set, split.
func splitShapes(t *testing.T, n, size int) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "shapes")
	o := synth.Default(n)
	o.Width, o.Height, o.MinSize, o.MaxSize = size, size, size/4, size*2/3
	if err := synth.GenerateSplit(root, o); err != nil {
		t.Fatal(err)
	}
	return root
}

// Start from the VOC detector (the default): the worker fetches it from
// the mirror with its progress on the bar and status line, takes every
// tensor but the heads' last layer for this set's classes, says so in
// the log, and trains with the backbone frozen for the first half.
func TestTrainFromVOCDetector(t *testing.T) {
	home := t.TempDir()
	srv := vocMirror(t, home)
	root := splitShapes(t, 12, 96)
	a := StartHome(t, home, root)
	a.Click("Train")
	a.WaitText("VOC detector (pretrained)", 10*time.Second)
	a.setField("416", "64")
	a.setField("100", "2")
	a.setField("8", "2")
	a.setField("16", "2")
	a.WaitText("1", 5*time.Second) // Freeze epochs: half of 2, the recipe
	a.Shot("train-start-from")
	a.Click("Start")
	a.waitPercent("Downloading yolov4_mobilenet_v2_voc.pth: * MB of * MB (*%)", 60*time.Second)
	a.Shot("train-download")
	a.WaitText("*transferred 614 of 620 tensors from yolov4_mobilenet_v2_voc.pth*", 2*time.Minute)
	a.WaitText("Done: * steps*", 3*time.Minute)
	a.WaitText("*epoch 1: * backbone frozen*", 5*time.Second)
	a.Shot("train-transferred")
	if r := srv.Ranges(); len(r) != 1 {
		t.Fatalf("%d requests to the mirror: %q", len(r), r)
	}
}

// The Predict tab with no model offers the VOC detector: one click
// fetches, converts and exports it, and it runs on the user's photo.
func TestPredictTryVOCDetector(t *testing.T) {
	home := t.TempDir()
	vocMirror(t, home)
	root := splitShapes(t, 4, 320)
	a := StartHome(t, home, root)
	a.Click("Predict")
	a.WaitText("Try the VOC detector (20 classes: person, car, dog, …)", 10*time.Second)
	a.Shot("predict-try-voc")
	a.Click("Try the VOC detector (20 classes: person, car, dog, …)")
	a.waitPercent("Downloading the VOC detector: * of * MB", 60*time.Second)
	a.Shot("predict-try-voc-download")
	// one click: the detector runs on the open folder's first picture
	a.WaitText("shapes-00000.jpg: * (network *)", 3*time.Minute)
	a.Shot("predict-voc-one-click")
	a.WaitGone("Try the VOC detector (20 classes: person, car, dog, …)", 5*time.Second)
	a.WaitText("*yolov4_mobilenet_v2_voc.onnx", 5*time.Second)
	a.pickPictures("JPEGImages", "shapes-00001.jpg")
	a.WaitText("shapes-00001.jpg: * (network *)", 60*time.Second)
	a.Shot("predict-voc-detections")
}

// No network: the Try button's message names the address to fetch by
// hand and how to start from the file; the button stays for another go.
func TestPredictTryVOCOffline(t *testing.T) {
	home := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing answers there
	t.Setenv(weights.URLEnv, "http://"+addr)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	root := splitShapes(t, 4, 320)
	a := StartHome(t, home, root)
	a.Click("Predict")
	a.Click("Try the VOC detector (20 classes: person, car, dog, …)")
	// the status wraps: its lines are separate texts on screen
	a.WaitText("cannot download", 30*time.Second)
	a.WaitText("http://"+addr+"/yolov4_mobilenet_v2_voc.pth (Get", 5*time.Second)
	a.WaitText("*start from it with --init FILE*", 5*time.Second)
	a.WaitText("Try the VOC detector (20 classes: person, car, dog, …)", 5*time.Second)
	a.Shot("predict-try-voc-offline")
}
