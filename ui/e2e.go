//go:build e2e

package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The end-to-end run of `make screenshot` (built with -tags e2e, never in
// a release): with LABELLOOP_E2E=DIR the real window goes through the
// loop a user would — split, train a small config with the real worker,
// export, predict on a picture and a video, pre-label an unlabelled image
// — pressing the same buttons, and saves a screenshot of the X display
// (ImageMagick's import) after each step into DIR. It prints "e2e ok" or
// "e2e FAIL: why" and quits.
func init() {
	e2eHook = func(w *Window) {
		dir := os.Getenv("LABELLOOP_E2E")
		if dir == "" {
			return
		}
		go func() {
			err := runE2E(w, dir)
			if err != nil {
				fmt.Println("e2e FAIL:", err)
			} else {
				fmt.Println("e2e ok")
			}
			fyne.Do(func() { fyne.CurrentApp().Quit() })
		}()
	}
}

func runE2E(w *Window, dir string) error {
	ui := func(f func()) { fyne.DoAndWait(f) }
	wait := func(what string, limit time.Duration, cond func() bool) error {
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			ok := false
			ui(func() { ok = cond() })
			if ok {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("timed out waiting for %s", what)
	}
	n := 10
	shot := func(name string) error {
		time.Sleep(800 * time.Millisecond) // let the frame draw
		n++
		out := filepath.Join(dir, fmt.Sprintf("%02d-e2e-%s.png", n, name))
		if b, err := exec.Command("import", "-window", "root", out).CombinedOutput(); err != nil {
			return fmt.Errorf("screenshot %s: %v %s", name, err, b)
		}
		fmt.Println("e2e step", name)
		return nil
	}
	tab := func(name string) {
		ui(func() {
			for _, t := range w.tabs.Items {
				if t.Text == name {
					w.tabs.Select(t)
				}
			}
		})
	}
	if err := wait("the dataset report", 30*time.Second, func() bool { return w.report != nil }); err != nil {
		return err
	}

	// 1. split
	tab("Dataset")
	sp := w.Dataset.Split
	if err := wait("the split preview", 10*time.Second, func() bool { return !sp.write.Disabled() }); err != nil {
		return err
	}
	ui(func() { test.Tap(sp.write) })
	if err := wait("the split", 10*time.Second, func() bool { return strings.Contains(sp.preview.Text, "Written") }); err != nil {
		return err
	}
	if err := shot("split"); err != nil {
		return err
	}

	// 2. train a small config with the real worker
	tab("Train")
	t := w.Train
	ui(func() {
		t.backbone.SetSelected("mobilenetv3")
		t.start.SetSelected(startScratch) // the demo learns from random weights, offline
		t.size.SetText("160")
		t.epochs.SetText(envOr("LABELLOOP_E2E_EPOCHS", "60"))
		t.batch.SetText("8")
		t.freezeB.SetText("8")
		t.lr.SetText("0.003")
		t.augment.SetSelected("flip")
	})
	var problem string
	ui(func() { problem = t.problem.Text })
	if problem != "" {
		return fmt.Errorf("train form: %s", problem)
	}
	ui(func() { test.Tap(t.startBtn) })
	if err := wait("training to start", 60*time.Second, func() bool { return t.running || t.lastRun != "" }); err != nil {
		return err
	}
	if err := wait("a tenth of the steps", 15*time.Minute, func() bool { return t.progress.Value >= 0.1 || !t.running }); err != nil {
		return err
	}
	if err := shot("training"); err != nil {
		return err
	}
	if err := wait("training to finish", 40*time.Minute, func() bool { return !t.running }); err != nil {
		return err
	}
	var status string
	ui(func() { status = t.status.Text })
	if err := shot("trained"); err != nil {
		return err
	}
	if !strings.Contains(strings.ToLower(status), "done") && !strings.Contains(strings.ToLower(status), "finished") {
		return fmt.Errorf("training ended with %q", status)
	}

	// 3. export
	tab("Export")
	ex := w.Export
	ui(func() { ex.Refresh(); test.Tap(ex.btn) })
	if err := wait("the export", 2*time.Minute, func() bool {
		return strings.Contains(ex.result.Text, "Verified") || strings.Contains(ex.result.Text, "failed")
	}); err != nil {
		return err
	}
	if err := shot("exported"); err != nil {
		return err
	}
	var res string
	ui(func() { res = ex.result.Text })
	if !strings.Contains(res, "Verified") {
		return fmt.Errorf("export: %s", res)
	}

	// 4. predict on a labelled picture, then on a video made from the pictures
	tab("Predict")
	p := w.Predict
	var pic string
	ui(func() { pic = w.ds.Items[0].Image; p.conf.SetValue(0.1); p.nms.SetValue(0.45); p.Show(pic) })
	if err := wait("detections", time.Minute, func() bool { return p.pic != nil && strings.Contains(p.list.Text, "detections") }); err != nil {
		return err
	}
	if err := shot("predict"); err != nil {
		return err
	}
	clip := filepath.Join(dir, "e2e-clip.mp4")
	imgs := filepath.Join(filepath.Dir(pic), "*.jpg")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-y", "-framerate", "4", "-pattern_type", "glob", "-i", imgs,
		"-frames:v", "40", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		return fmt.Errorf("making a clip: %v %s", err, b)
	}
	defer os.Remove(clip)
	ui(func() { p.Show(clip) })
	if err := wait("the video's first frame", time.Minute, func() bool { return p.video.Content.Visible() && p.pic != nil }); err != nil {
		return err
	}
	ui(func() { test.Tap(p.video.play) })
	time.Sleep(3 * time.Second)
	if err := shot("video"); err != nil {
		return err
	}
	ui(func() { p.video.halt() })

	// 5. back to labelling: pre-label the first unlabelled image
	tab("Label")
	idx := -1
	ui(func() {
		for i, it := range w.ds.Items {
			if it.XML == "" && it.Image != "" {
				idx = i
				break
			}
		}
	})
	if idx < 0 {
		return fmt.Errorf("no unlabelled image to pre-label")
	}
	ui(func() { w.Show(idx) })
	if err := wait("the unlabelled image", 10*time.Second, func() bool { return w.doc != nil && w.cur == idx }); err != nil {
		return err
	}
	ui(func() { w.prelabel() })
	if err := wait("pre-labelling", time.Minute, func() bool { return strings.HasPrefix(w.status.Text, "Pre-labelled") }); err != nil {
		return err
	}
	return shot("prelabelled")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
