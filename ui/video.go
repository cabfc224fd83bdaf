package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/usecase"
	"github.com/labelloop/labelloop/video"
)

// videoBar plays a video (or a camera) in the Predict tab with boxes drawn
// on each frame: play/pause, seek, the frames per second reached, and
// saving the annotated video with progress and cancel.
type videoBar struct {
	s       *PredictScreen
	Content fyne.CanvasObject

	play    *widget.Button
	seek    *widget.Slider
	fps     *widget.Label
	save    *widget.Button
	cancel  *widget.Button
	prog    *widget.ProgressBar
	setting bool // the player moves the seek slider: not a user seek

	path string
	info video.VideoInfo
	pos  float64 // seconds of the frame shown

	mu      sync.Mutex
	stop    chan struct{} // closes to stop playback
	saveCtl context.CancelFunc
	players sync.WaitGroup // playbacks not yet ended (a halted one ends at its next frame)
}

func newVideoBar(s *PredictScreen) *videoBar {
	v := &videoBar{s: s}
	v.play = widget.NewButton("Play", v.toggle)
	v.seek = widget.NewSlider(0, 1)
	v.seek.Step = 0.01
	v.seek.OnChangeEnded = func(x float64) {
		if !v.setting {
			v.seekTo(x)
		}
	}
	v.fps = widget.NewLabel("")
	v.save = widget.NewButton("Save video", v.saveVideo)
	v.cancel = widget.NewButton("Cancel", func() {
		v.mu.Lock()
		if v.saveCtl != nil {
			v.saveCtl()
		}
		v.mu.Unlock()
	})
	v.cancel.Hide()
	v.prog = widget.NewProgressBar()
	v.prog.Hide()
	v.Content = container.NewVBox(
		container.NewBorder(nil, nil, v.play, v.fps, v.seek),
		container.NewBorder(nil, nil, v.save, v.cancel, v.prog),
	)
	v.Content.Hide()
	return v
}

// open shows a video's first frame, paused. ffprobe runs off the UI
// goroutine; the bar shows once it has answered.
func (v *videoBar) open(path string) {
	v.halt()
	v.path = path
	v.Content.Hide()
	v.s.status.SetText("Opening " + filepath.Base(path) + "…")
	v.s.background(func() {
		info, err := video.ProbeVideo(path)
		fyne.Do(func() {
			if v.path != path {
				return // another file was opened meanwhile
			}
			if err != nil {
				v.s.status.SetText(filepath.Base(path) + ": " + err.Error())
				return
			}
			v.opened(info)
		})
	})
}

func (v *videoBar) opened(info video.VideoInfo) {
	v.info, v.pos = info, 0
	live := info.Duration == 0
	v.setting = true
	v.seek.Max = max(info.Duration, 0.01)
	v.seek.SetValue(0)
	v.setting = false
	if live {
		v.seek.Disable()
	} else {
		v.seek.Enable()
	}
	v.fps.SetText(fmt.Sprintf("%dx%d, %.0f fps", info.Width, info.Height, info.FPS))
	v.Content.Show()
	if live {
		v.start() // a camera has no first frame to hold: it plays
		return
	}
	v.showFrameAt(0)
}

// close stops playback and hides the bar (a picture is shown instead).
func (v *videoBar) close() {
	v.halt()
	v.path = ""
	v.Content.Hide()
}

func (v *videoBar) toggle() {
	if v.playing() {
		v.halt()
		if !video.IsLive(v.path) { // a live source has no going back: its last frame stays
			v.showFrameAt(v.pos) // hold the frame with all candidates, for the sliders
		}
		return
	}
	v.start()
}

func (v *videoBar) playing() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stop != nil
}

// halt stops playback; the player's frames still queued are dropped.
func (v *videoBar) halt() {
	v.mu.Lock()
	stop := v.stop
	v.stop = nil
	v.mu.Unlock()
	if stop != nil {
		close(stop)
	}
	v.play.SetText("Play")
}

func (v *videoBar) seekTo(sec float64) {
	v.pos = sec
	if v.playing() {
		v.halt()
		v.start()
		return
	}
	v.showFrameAt(sec)
}

// showFrameAt decodes one frame and detects in it at the candidate
// threshold, so the sliders re-filter it like a picture.
func (v *videoBar) showFrameAt(sec float64) {
	load, ok := v.s.detector()
	if !ok {
		return
	}
	path, info := v.path, v.info
	v.s.background(func() {
		var img *image.RGBA
		var cands []detect.Detection
		var classes []string
		l, err := load()
		if err == nil {
			defer l.Release()
		}
		var vr *video.VideoReader
		if err == nil {
			vr, err = video.OpenProbedAt(path, info, sec)
		}
		if err == nil {
			img, err = vr.Next()
			vr.Close()
			if err == io.EOF {
				err = fmt.Errorf("no frame at %.1f s", sec)
			}
		}
		if err == nil {
			cands, _, err = l.Value.Detect(img, info.Width, info.Height, detect.Thresholds{Conf: candidateConf, NMS: 1.01})
			classes = l.Value.Info.Classes
		}
		fyne.Do(func() {
			if err != nil {
				v.s.status.SetText(filepath.Base(path) + ": " + err.Error())
				return
			}
			if v.path != path {
				return
			}
			v.s.pic = &imgload.Picture{Path: path, Img: img, W: info.Width, H: info.Height}
			v.s.cands, v.s.classes = cands, classes
			v.s.status.SetText(fmt.Sprintf("%s at %s", filepath.Base(path), clock(sec)))
			v.s.refilter()
		})
	})
}

// start plays from v.pos: decode, detect with the sliders' current
// values, draw, show, paced to the video's frame rate.
func (v *videoBar) start() {
	load, ok := v.s.detector()
	if !ok {
		return
	}
	stop := make(chan struct{})
	v.mu.Lock()
	v.stop = stop
	v.mu.Unlock()
	v.play.SetText("Pause")
	path, info, from := v.path, v.info, v.pos
	if video.IsLive(path) {
		from = 0 // now: a live source cannot seek
	}
	v.players.Add(1)
	go func() {
		defer v.players.Done()
		l, err := load()
		if err == nil {
			err = v.loop(l.Value, path, info, from, stop)
			l.Release()
		}
		fyne.Do(func() {
			v.mu.Lock()
			mine := v.stop == stop
			if mine {
				v.stop = nil
			}
			v.mu.Unlock()
			if !mine {
				return // halted, or another playback started
			}
			if err != nil {
				v.s.status.SetText(filepath.Base(path) + ": " + err.Error())
			}
			v.play.SetText("Play")
		})
	}()
}

// loop is the player. It never waits on the UI goroutine (which may be
// halting it): frames go to the screen with fyne.Do, drawn in one of three
// buffers that come back once the next frame replaces them.
func (v *videoBar) loop(det *inference.Detector, path string, info video.VideoInfo, from float64, stop chan struct{}) error {
	vr, err := video.OpenProbedAt(path, info, from)
	if err != nil {
		return err
	}
	defer vr.Close()
	free := make(chan *image.RGBA, 3)
	for range 3 {
		free <- image.NewRGBA(image.Rect(0, 0, info.Width, info.Height))
	}
	var shown *image.RGBA // touched only on the UI goroutine
	frameDur := time.Duration(float64(time.Second) / max(info.FPS, 1))
	t0 := time.Now()
	// a camera or stream shows its newest frame, never a queue behind it
	live := video.IsLive(path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	errc := make(chan error, 1)
	done := 0
	for f := range video.Frames(ctx, vr.Next, vr.Release, live, errc) {
		img, n := f.Frame, f.N
		dets, _, err := det.Detect(img, info.Width, info.Height, v.s.thresholds())
		if err != nil {
			return err
		}
		var d *image.RGBA
		select {
		case <-stop:
			return nil
		case d = <-free:
		}
		copy(d.Pix, img.Pix)
		vr.Release(img)
		detect.DrawOn(d, info.Width, info.Height, dets, det.Info.Classes)
		// never run ahead of the video's clock (a live one keeps its own)
		if wait := time.Until(t0.Add(time.Duration(n+1) * frameDur)); wait > 0 && !live {
			select {
			case <-stop:
				return nil
			case <-time.After(wait):
			}
		}
		done++
		rate := float64(done) / time.Since(t0).Seconds()
		pos := from + float64(n+1)/max(info.FPS, 1)
		fyne.Do(func() {
			select {
			case <-stop:
				return // halted meanwhile: do not show a stale frame
			default:
			}
			if shown != nil {
				free <- shown
			}
			shown = d
			v.pos = pos
			v.s.pic = nil // the sliders act on the next frames
			v.s.img.Image = d
			v.s.img.Refresh()
			v.setting = true
			v.seek.SetValue(min(pos, v.seek.Max))
			v.setting = false
			v.fps.SetText(fmt.Sprintf("%s  %.1f fps", clock(pos), rate))
			v.s.status.SetText(fmt.Sprintf("%s at %s", filepath.Base(v.path), clock(pos)))
			v.s.list.SetText(wording.Count(len(dets), "detection", "detections") + " in this frame")
		})
	}
	select {
	case err := <-errc:
		return err
	default:
		return nil // the end, or halted
	}
}

// saveVideo writes the annotated video and detections.jsonl into the
// dataset's runs/predict-N, with progress; Cancel stops it.
func (v *videoBar) saveVideo() {
	load, ok := v.s.detector()
	if !ok || v.path == "" {
		return
	}
	if v.info.Duration == 0 {
		v.s.status.SetText("A camera cannot be saved from here: use labelloop predict " + v.path)
		return
	}
	dir, err := runs.Next(runs.Of(v.s.base()), runs.Predict)
	if err != nil {
		v.s.status.SetText("Saving failed: " + err.Error())
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	v.mu.Lock()
	v.saveCtl = cancel
	v.mu.Unlock()
	v.save.Disable()
	v.cancel.Show()
	v.prog.SetValue(0)
	v.prog.Show()
	path, info := v.path, v.info
	t := detect.Thresholds{Conf: float32(v.s.conf.Value), NMS: v.s.nms.Value}
	total := max(1, info.Duration*info.FPS)
	go func() {
		var recs []inference.Record
		last := time.Now()
		frames := 0
		l, err := load()
		if err == nil {
			dev, _ := l.Value.Device()
			job := usecase.OpenVideo(path, dir, true, dev != "cpu")
			recs, frames, err = usecase.PredictVideo(ctx, l.Value, job, path, t, func(n int) {
				if time.Since(last) > 100*time.Millisecond {
					last = time.Now()
					fyne.Do(func() { v.prog.SetValue(min(1, float64(n+1)/total)) })
				}
			})
			l.Release()
		}
		cancelled := errors.Is(err, context.Canceled)
		if err == nil {
			err = inference.WriteRecords(filepath.Join(dir, "detections.jsonl"), recs, "jsonl")
		}
		cancel()
		fyne.Do(func() {
			v.mu.Lock()
			v.saveCtl = nil
			v.mu.Unlock()
			v.save.Enable()
			v.cancel.Hide()
			v.prog.Hide()
			switch {
			case cancelled:
				v.s.status.SetText(fmt.Sprintf("Saving cancelled after %d frames (partial files in %s)", frames, dir))
			case err != nil:
				v.s.status.SetText("Saving failed: " + err.Error())
			default:
				v.s.lastSave = dir
				v.s.status.SetText(fmt.Sprintf("Saved %d frames in %s", frames, dir))
			}
		})
	}()
}

// clock formats seconds as m:ss.
func clock(sec float64) string {
	s := int(sec)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
