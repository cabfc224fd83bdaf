//go:build linux

package guitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/synth"
)

// setField clicks a form entry by its current text (or placeholder) and
// types a new value, as a person does.
func (a *App) setField(current, value string) {
	a.t.Helper()
	a.Click(current)
	a.Key("ctrl+a")
	a.Key("BackSpace")
	a.Type(value)
}

// clickUntil clicks a button until what it should show appears (it may be
// disabled for a moment, as after a run while the worker exits).
func (a *App) clickUntil(button, want string, limit time.Duration, or ...string) {
	a.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		a.Click(button)
		for i := 0; i < 10; i++ {
			for _, w := range append([]string{want}, or...) {
				if _, ok := a.Find(w); ok {
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			a.Shot("missing-" + sanitize(want))
			a.t.Fatalf("%q did not appear after clicking %q", want, button)
		}
	}
}

// The loop through every tab's main action, with the real training
// worker on a tiny set: split, start, stop, resume, export, predict on
// pictures (several at once, from the picker) and on a video, save the
// results. Screenshots of each step are for a person to look at.
func TestLoop(t *testing.T) {
	if _, err := os.Stat(filepath.Join(binDir, "labelloop-train")); err != nil {
		t.Fatal("no labelloop-train beside labelloop (make build)")
	}
	root := filepath.Join(t.TempDir(), "shapes")
	o := synth.Default(12)
	o.Unlabelled = 2
	if err := synth.Generate(root, o); err != nil {
		t.Fatal(err)
	}
	a := Start(t, root)
	a.WaitText("shapes-00000.jpg*", 20*time.Second)

	// Dataset: write the split
	a.Click("Dataset")
	a.Click("Write split")
	a.WaitText("Written*", 10*time.Second)
	a.Shot("split")
	if _, err := os.Stat(filepath.Join(root, "ImageSets", "Main", "train.txt")); err != nil {
		t.Fatal("no train.txt after Write split:", err)
	}

	// Train: a tiny run, stopped, then resumed to the end
	a.Click("Train")
	a.setField("416", "160")
	a.setField("100", "3")
	a.setField("8", "4")
	a.setField("16", "4")
	a.Click("mobilenetv2")
	a.Click("mobilenetv3")
	a.Click("VOC detector (pretrained)") // offline here: from random weights
	a.Click("Scratch (random weights)")
	a.Click("Start")
	a.WaitText("epoch 1/3 · step*", 3*time.Minute)
	a.Shot("training")
	a.Click("Stop")
	a.WaitText("Stopped at step*", 2*time.Minute)
	a.Shot("stopped")
	// Resume is enabled again once the stopped worker has exited
	a.clickUntil("Resume last run", "Starting the training worker…", 30*time.Second, "epoch */3 · step*", "Done: * steps*")
	a.WaitText("Done: * steps*", 5*time.Minute)
	a.WaitText("* done", 5*time.Second) // the log follows its newest line
	a.Shot("done")
	if _, ok := a.Find("*/3 · step*"); ok {
		t.Log("progress line kept")
	}
	best, _ := filepath.Glob(filepath.Join(root, "runs", "train-*", "weights", "best.safetensors"))
	if len(best) == 0 {
		t.Fatal("no best.safetensors after training")
	}
	// a finished run says how to train it longer instead of stopping at
	// once (the button is enabled again once the worker has exited)
	a.clickUntil("Resume last run", "* finished all its 3 epochs: set Epochs above 3*", 15*time.Second)

	// Export: the run's best checkpoint to ONNX
	a.Click("Export")
	a.Click("Export to ONNX")
	a.WaitText("*best.onnx*", 2*time.Minute)
	a.Shot("exported")

	// Predict: two pictures from the picker, opened where the dataset is
	a.Click("Predict")
	a.pickPictures("JPEGImages", "shapes-00001.jpg", "shapes-00002.jpg")
	a.WaitText("1 of 2", 10*time.Second)
	a.WaitText("* detection*", 60*time.Second)
	a.Shot("predict-picture")
	a.Click("Next ▶")
	a.WaitText("2 of 2", 5*time.Second)
	a.Click("Save results")
	a.WaitText("Saved 2 pictures in*", 30*time.Second) // both opened, not only the one shown
	saved, _ := filepath.Glob(filepath.Join(root, "runs", "predict-*", "*.jpg"))
	if len(saved) != 2 {
		t.Fatalf("Save results wrote %v", saved)
	}

	// a video: it plays with boxes, the position line moves, it saves
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	if err := synth.Video(clip, "320x240", "10", 3); err != nil {
		t.Fatal(err)
	}
	a.Click("Open…")
	a.WaitText("Pictures and videos to predict on", 5*time.Second)
	a.setField(filepath.Join(root, "JPEGImages"), filepath.Dir(clip)) // a typed path
	a.Key("Return")
	a.Click("[ ] clip.mp4")
	a.Click("Open 1 file")
	a.WaitText("clip.mp4 at 0:00*", 30*time.Second)
	a.Click("Play")
	a.WaitText("clip.mp4 at 0:01*", 20*time.Second)
	a.Shot("video")
	a.WaitText("Play", 20*time.Second) // the end of the clip
	a.Click("Save video")
	a.WaitText("Saved * frames in*", 2*time.Minute)
	vids, _ := filepath.Glob(filepath.Join(root, "runs", "predict-*", "*.mp4"))
	if len(vids) == 0 {
		t.Fatal("Save video wrote no video")
	}
	for _, v := range vids {
		if !strings.Contains(v, "clip") {
			t.Logf("video saved as %s", v)
		}
	}

	// the Train form is as it was after a restart
	a.Quit()
	b := StartHome(t, a.Home, root)
	b.Click("Train")
	b.WaitText("mobilenetv3", 5*time.Second)
	b.WaitText("160", 5*time.Second)
	b.Shot("form-restored")
}
