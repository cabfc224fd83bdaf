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
	r := &e2eRun{w: w, dir: dir, n: 10}
	if err := r.wait("the dataset report", 30*time.Second, func() bool { return w.Label.report != nil }); err != nil {
		return err
	}
	for _, step := range []func() error{r.split, r.train, r.export, r.predict, r.prelabel} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// e2eRun is the end-to-end run's state: the window, where screenshots go
// and how many were taken.
type e2eRun struct {
	w   *Window
	dir string
	n   int
}

// ui runs f on Fyne's goroutine and waits for it.
func (r *e2eRun) ui(f func()) { fyne.DoAndWait(f) }

// wait polls cond on Fyne's goroutine until it holds or limit passes.
func (r *e2eRun) wait(what string, limit time.Duration, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok := false
		r.ui(func() { ok = cond() })
		if ok {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s", what)
}

// shot saves a screenshot of the X display as the next numbered step.
func (r *e2eRun) shot(name string) error {
	time.Sleep(800 * time.Millisecond) // let the frame draw
	r.n++
	out := filepath.Join(r.dir, fmt.Sprintf("%02d-e2e-%s.png", r.n, name))
	if b, err := exec.Command("import", "-window", "root", out).CombinedOutput(); err != nil {
		return fmt.Errorf("screenshot %s: %v %s", name, err, b)
	}
	fmt.Println("e2e step", name)
	return nil
}

func (r *e2eRun) tab(name string) {
	r.ui(func() {
		for _, t := range r.w.tabs.Items {
			if t.Text == name {
				r.w.tabs.Select(t)
			}
		}
	})
}

// waitShot waits for cond, then takes a screenshot.
func (r *e2eRun) waitShot(what string, limit time.Duration, cond func() bool, name string) error {
	if err := r.wait(what, limit, cond); err != nil {
		return err
	}
	return r.shot(name)
}

// 1. split
func (r *e2eRun) split() error {
	r.tab("Dataset")
	sp := r.w.Dataset.Split
	if err := r.wait("the split preview", 10*time.Second, func() bool { return !sp.write.Disabled() }); err != nil {
		return err
	}
	r.ui(func() { test.Tap(sp.write) })
	return r.waitShot("the split", 10*time.Second, func() bool { return strings.Contains(sp.preview.Text, "Written") }, "split")
}

// 2. train a small config with the real worker
func (r *e2eRun) train() error {
	r.tab("Train")
	t := r.w.Train
	r.ui(func() {
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
	r.ui(func() { problem = t.problem.Text })
	if problem != "" {
		return fmt.Errorf("train form: %s", problem)
	}
	r.ui(func() { test.Tap(t.startBtn) })
	if err := r.wait("training to start", 60*time.Second, func() bool { return t.running || t.lastRun != "" }); err != nil {
		return err
	}
	if err := r.waitShot("a tenth of the steps", 15*time.Minute, func() bool { return t.progress.Value >= 0.1 || !t.running }, "training"); err != nil {
		return err
	}
	if err := r.wait("training to finish", 40*time.Minute, func() bool { return !t.running }); err != nil {
		return err
	}
	var status string
	r.ui(func() { status = t.status.Text })
	if err := r.shot("trained"); err != nil {
		return err
	}
	if !strings.Contains(strings.ToLower(status), "done") && !strings.Contains(strings.ToLower(status), "finished") {
		return fmt.Errorf("training ended with %q", status)
	}
	return nil
}

// 3. export
func (r *e2eRun) export() error {
	r.tab("Export")
	ex := r.w.Export
	r.ui(func() { ex.Refresh(); test.Tap(ex.btn) })
	if err := r.waitShot("the export", 2*time.Minute, func() bool {
		return strings.Contains(ex.result.Text, "Verified") || strings.Contains(ex.result.Text, "failed")
	}, "exported"); err != nil {
		return err
	}
	var res string
	r.ui(func() { res = ex.result.Text })
	if !strings.Contains(res, "Verified") {
		return fmt.Errorf("export: %s", res)
	}
	return nil
}

// 4. predict on a labelled picture, then on a video made from the pictures
func (r *e2eRun) predict() error {
	r.tab("Predict")
	p := r.w.Predict
	var pic string
	r.ui(func() { pic = r.w.Label.ds.Items[0].Image; p.conf.SetValue(0.1); p.nms.SetValue(0.45); p.Show(pic) })
	if err := r.waitShot("detections", time.Minute, func() bool { return p.pic != nil && strings.Contains(p.list.Text, "detections") }, "predict"); err != nil {
		return err
	}
	clip := filepath.Join(r.dir, "e2e-clip.mp4")
	imgs := filepath.Join(filepath.Dir(pic), "*.jpg")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-y", "-framerate", "4", "-pattern_type", "glob", "-i", imgs,
		"-frames:v", "40", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		return fmt.Errorf("making a clip: %v %s", err, b)
	}
	defer os.Remove(clip)
	r.ui(func() { p.Show(clip) })
	if err := r.wait("the video's first frame", time.Minute, func() bool { return p.video.Content.Visible() && p.pic != nil }); err != nil {
		return err
	}
	r.ui(func() { test.Tap(p.video.play) })
	time.Sleep(3 * time.Second)
	if err := r.shot("video"); err != nil {
		return err
	}
	r.ui(func() { p.video.halt() })
	return nil
}

// 5. back to labelling: pre-label the first unlabelled image
func (r *e2eRun) prelabel() error {
	l := r.w.Label
	r.tab("Label")
	idx := -1
	r.ui(func() {
		for i, it := range l.ds.Items {
			if it.XML == "" && it.Image != "" {
				idx = i
				break
			}
		}
	})
	if idx < 0 {
		return fmt.Errorf("no unlabelled image to pre-label")
	}
	r.ui(func() { l.Show(idx) })
	if err := r.wait("the unlabelled image", 10*time.Second, func() bool { return l.doc != nil && l.cur == idx }); err != nil {
		return err
	}
	r.ui(func() { l.prelabel() })
	return r.waitShot("pre-labelling", time.Minute, func() bool { return strings.HasPrefix(l.status.Text, "Pre-labelled") }, "prelabelled")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
