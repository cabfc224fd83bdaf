package ui

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	xdraw "golang.org/x/image/draw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/internal/lease"
	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/usecase"
	"github.com/labelloop/labelloop/video"
)

// PredictScreen is the Predict tab: a model, pictures dropped on the window
// or picked, boxes with class names and scores, and confidence and NMS
// sliders that re-filter at once: the network runs once per picture at a
// low threshold with no suppression, and the sliders only filter and
// suppress those candidates in Go.
type PredictScreen struct {
	Content fyne.CanvasObject
	window  fyne.Window
	// OnSettings sees the model and thresholds whenever they change (the
	// app keeps them between runs).
	OnSettings func(model string, conf, nms float64, threads int)

	model   *widget.Entry
	conf    *widget.Slider
	nms     *widget.Slider
	threads *widget.Select
	confL   *widget.Label
	nmsL    *widget.Label
	img     *canvas.Image
	list    *widget.Label
	status  *widget.Label
	// dets holds the open model: Predict, the video player, saves and the
	// editor's pre-label each lease it, so a model change never closes
	// it under one of them
	dets     *lease.Holder[detKey, *inference.Detector]
	pic      *imgload.Picture
	cands    []detect.Detection
	classes  []string // the class names of the model that found cands
	shown    []detect.Detection
	dataset  string
	lastSave string
	lastDir  string // where the last pictures were picked
	// enlarged is displayCopy of enlargedOf, the picture last shown
	enlarged, enlargedOf image.Image
	video                *videoBar
	queue                []string // the files dropped or opened together
	at                   int
	nav                  *fyne.Container
	navL                 *widget.Label
	thr                  atomic.Pointer[detect.Thresholds] // the sliders, for the video player's goroutine
	// TryVOC fetches the seed's VOC detector and exports it, returning the
	// model's path (the app sets it; predicttry.go).
	TryVOC      func(progress func(done, total int64)) (string, error)
	try         *fyne.Container
	tryBtn      *widget.Button
	tryProgress *widget.ProgressBar
	fetching    bool
	// background runs the network off the UI goroutine; tests make it inline
	background func(func())
}

// mediaExts are what the Predict tab opens: pictures and videos.
var mediaExts = []string{".jpg", ".jpeg", ".png", ".bmp", ".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts"}

// detKey is what a detector is opened for.
type detKey struct {
	path    string
	threads int
}

// candidateConf is the lowest score the sliders can show.
const candidateConf = 0.01

// NewPredictScreen builds the tab; w is for dialogs.
func NewPredictScreen(w fyne.Window) *PredictScreen {
	s := &PredictScreen{window: w, background: func(f func()) { go f() }}
	s.dets = lease.New(func(k detKey) (*inference.Detector, error) {
		return inference.Load(k.path, inference.LoadOptions{Threads: k.threads})
	}, func(err error) { fyne.Do(func() { s.status.SetText(err.Error()) }) })
	s.model = widget.NewEntry()
	s.model.SetPlaceHolder("an .onnx model (Export makes one)")
	s.conf = widget.NewSlider(candidateConf, 1)
	s.conf.Step = 0.01
	s.conf.SetValue(float64(detect.DisplayThresholds.Conf))
	s.nms = widget.NewSlider(0.05, 1)
	s.nms.Step = 0.05
	s.nms.SetValue(detect.DisplayThresholds.NMS)
	s.confL, s.nmsL = widget.NewLabel(""), widget.NewLabel("")
	s.conf.OnChanged = func(float64) { s.refilter(); s.changed() }
	s.nms.OnChanged = func(float64) { s.refilter(); s.changed() }
	s.model.OnChanged = func(string) {
		s.changed()
		s.showTry()
		s.status.SetText("") // what the model before said, a failure to open it among others
	}
	opts := []string{"Auto"}
	for i := 1; i <= runtime.NumCPU(); i++ {
		opts = append(opts, strconv.Itoa(i))
	}
	s.threads = widget.NewSelect(opts, func(string) { s.changed() })
	s.threads.SetSelected("Auto")
	s.img = canvas.NewImageFromImage(nil)
	s.img.FillMode = canvas.ImageFillContain
	s.list = widget.NewLabel("Drop pictures on the window, or open one.")
	s.list.Wrapping = fyne.TextWrapWord
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord // a long error must not widen the panel under the mouse
	openModel := widget.NewButton("Model…", func() {
		dir := filepath.Dir(strings.TrimSpace(s.model.Text))
		if strings.TrimSpace(s.model.Text) == "" {
			dir = runs.Of(s.base())
		}
		showFilePicker(s.window, pickOptions{title: "Choose a model", dir: dir, exts: []string{".onnx"},
			onPick: func(p []string) { s.SetModel(p[0]) }})
	})
	openImg := widget.NewButton("Open…", func() {
		dir := s.lastDir
		if dir == "" {
			dir = s.base()
		}
		showFilePicker(s.window, pickOptions{title: "Pictures and videos to predict on", dir: dir, exts: mediaExts, multi: true,
			onPick: func(p []string) {
				s.lastDir = filepath.Dir(p[0])
				if st, err := os.Stat(p[0]); err == nil && st.IsDir() {
					s.lastDir = p[0]
					p = mediaIn(p[0])
				}
				s.Show(p...)
			}})
	})
	save := widget.NewButton("Save results", s.save)
	s.video = newVideoBar(s)
	buttons := container.NewGridWithColumns(2, openImg, save)
	s.navL = widget.NewLabel("")
	s.nav = container.NewBorder(nil, nil, widget.NewButton("◀ Prev", func() { s.step(-1) }), widget.NewButton("Next ▶", func() { s.step(1) }),
		container.NewCenter(s.navL))
	s.nav.Hide()
	buttons.Add(widget.NewButton("Camera or stream…", s.askLive))
	controls := widget.NewForm(
		widget.NewFormItem("Model", container.NewBorder(nil, nil, nil, openModel, s.model)),
		widget.NewFormItem("Confidence", container.NewBorder(nil, nil, nil, s.confL, s.conf)),
		widget.NewFormItem("NMS IoU", container.NewBorder(nil, nil, nil, s.nmsL, s.nms)),
		widget.NewFormItem("CPU threads", s.threads),
	)
	side := container.NewBorder(container.NewVBox(controls, s.tryRow(), buttons, s.nav, s.status), nil, nil, nil,
		container.NewVScroll(s.list))
	split := container.NewHSplit(side, container.NewBorder(nil, s.video.Content, nil, nil, s.img))
	split.Offset = 0.32
	s.Content = split
	s.labels()
	return s
}

// SetDataset makes the newest exported model the default.
func (s *PredictScreen) SetDataset(dir string) {
	s.dataset = dir
	if s.model.Text == "" {
		if m := runs.Models(runs.List(runs.Of(dir), runs.Train), runs.Best); len(m) > 0 {
			s.model.SetText(m[0]) // newest first, by number: train-10 after train-9
		}
	}
}

func (s *PredictScreen) changed() {
	if s.OnSettings != nil {
		s.OnSettings(strings.TrimSpace(s.model.Text), s.conf.Value, s.nms.Value, s.threadCount())
	}
}

// threadCount is the chosen number of inference threads; 0 (Auto) is
// one per core.
func (s *PredictScreen) threadCount() int {
	n, _ := strconv.Atoi(s.threads.Selected)
	return n
}

// Restore puts back saved settings (zero values keep the defaults).
func (s *PredictScreen) Restore(model string, conf, nms float64, threads int) {
	if threads > 0 && threads <= runtime.NumCPU() {
		s.threads.SetSelected(strconv.Itoa(threads))
	}
	if _, err := os.Stat(model); model != "" && err == nil { // a model deleted since is no choice (it hid the VOC detector's button)
		s.model.SetText(model)
	}
	if conf > 0 {
		s.conf.SetValue(conf)
	}
	if nms > 0 {
		s.nms.SetValue(nms)
	}
}

// SetModel chooses the model (after an export).
func (s *PredictScreen) SetModel(path string) {
	s.model.SetText(path)
	s.rerun()
}

// rerun detects again in the picture shown, with the model now chosen:
// the model before's boxes stayed on the screen until Next or Prev.
func (s *PredictScreen) rerun() {
	if s.at < len(s.queue) && !video.IsVideoPath(s.queue[s.at]) {
		s.showAt()
	}
}

func (s *PredictScreen) labels() {
	s.confL.SetText(fmt.Sprintf("%.2f", s.conf.Value))
	s.nmsL.SetText(fmt.Sprintf("%.2f", s.nms.Value))
	s.thr.Store(&detect.Thresholds{Conf: float32(s.conf.Value), NMS: s.nms.Value})
}

// Show runs the model on the first of the pictures (or videos) dropped or
// opened; Prev and Next step through the rest.
func (s *PredictScreen) Show(paths ...string) {
	if len(paths) == 0 {
		return
	}
	s.queue, s.at = paths, 0
	s.showAt()
}

// step shows the previous or next dropped file.
func (s *PredictScreen) step(d int) {
	if i := s.at + d; i >= 0 && i < len(s.queue) {
		s.at = i
		s.showAt()
	}
}

func (s *PredictScreen) showAt() {
	path := s.queue[s.at]
	if len(s.queue) > 1 {
		s.nav.Show()
		s.navL.SetText(fmt.Sprintf("%d of %d", s.at+1, len(s.queue)))
	} else {
		s.nav.Hide()
	}
	if video.IsVideoPath(path) {
		s.video.open(path)
		return
	}
	s.video.close()
	load, ok := s.detector()
	if !ok {
		return
	}
	s.status.SetText("Detecting in " + filepath.Base(path) + "…")
	s.background(func() {
		var pic *imgload.Picture
		var cands []detect.Detection
		var tm inference.Timing
		var classes []string
		l, err := load()
		modelErr := err != nil
		if err == nil {
			pic, cands, tm, err = l.Value.DetectFile(path, detect.Thresholds{Conf: candidateConf, NMS: 1.01})
			classes = l.Value.Info.Classes
			l.Release()
		}
		var shown image.Image // the copy tags are drawn on: scaled here, not on the UI goroutine
		if err == nil {
			shown = displayCopy(pic.Img)
		}
		fyne.Do(func() {
			if err != nil {
				s.status.SetText(err.Error())
				s.pic, s.cands, s.shown, s.classes = nil, nil, nil, nil // not the previous picture under this one's name
				s.img.Image = nil
				s.img.Refresh()
				if modelErr { // the model is at fault, not the picture
					s.list.SetText("The model could not be opened: choose another (Model…).")
				} else {
					s.list.SetText(filepath.Base(path) + " could not be read.")
				}
				return
			}
			s.pic, s.cands, s.classes = pic, cands, classes
			s.enlarged, s.enlargedOf = shown, pic.Img
			s.status.SetText(fmt.Sprintf("%s: %v (network %v)", filepath.Base(path), tm.Total().Round(100_000), tm.Net.Round(100_000)))
			s.refilter()
		})
	})
}

// detector returns a loader of the chosen model, or says why there is
// none. The loader leases the model, opening it once (an ONNX Runtime
// session takes a moment): call it off the UI goroutine, and Release the
// lease when done with the detector.
func (s *PredictScreen) detector() (func() (*lease.Lease[*inference.Detector], error), bool) {
	if s.ModelPath() == "" {
		msg := "Choose a model first (Export makes one from a training run)."
		if s.TryVOC != nil {
			msg = "Choose a model first (Export makes one from a training run), or try the VOC detector."
		}
		s.status.SetText(msg)
		return nil, false
	}
	return s.leaser(), true
}

// ModelPath is the chosen model ("" when none is).
func (s *PredictScreen) ModelPath() string { return strings.TrimSpace(s.model.Text) }

// leaser reads the chosen model and thread count now (on the UI
// goroutine) and returns a loader of a lease on it for later.
func (s *PredictScreen) leaser() func() (*lease.Lease[*inference.Detector], error) {
	mp, threads := s.ModelPath(), s.threadCount()
	return func() (*lease.Lease[*inference.Detector], error) { return s.load(mp, threads) }
}

// thresholds are the sliders' values; safe from any goroutine.
func (s *PredictScreen) thresholds() detect.Thresholds {
	if t := s.thr.Load(); t != nil {
		return *t
	}
	return detect.DisplayThresholds
}

// base is where runs/ goes: the dataset, else the working folder.
func (s *PredictScreen) base() string {
	if s.dataset == "" {
		return "."
	}
	return s.dataset
}

// load leases the model, opened once (and again when it or the thread
// count changes; the one before closes when its last lease ends).
func (s *PredictScreen) load(path string, threads int) (*lease.Lease[*inference.Detector], error) {
	return s.dets.Get(detKey{path, threads})
}

// refilter applies the sliders to the candidates: no network run.
func (s *PredictScreen) refilter() {
	s.labels()
	if s.pic == nil || s.classes == nil {
		return
	}
	var keep []detect.Detection
	for _, d := range s.cands {
		if d.Score >= float32(s.conf.Value) {
			keep = append(keep, d)
		}
	}
	s.shown = detect.NMS(keep, s.nms.Value, false)
	classes := s.classes
	if s.enlargedOf != s.pic.Img { // once per picture, not on every slider move
		s.enlarged, s.enlargedOf = displayCopy(s.pic.Img), s.pic.Img
	}
	s.img.Image = detect.Annotate(s.enlarged, s.pic.W, s.pic.H, s.shown, classes)
	s.img.Refresh()
	var b strings.Builder
	fmt.Fprintln(&b, wording.Count(len(s.shown), "detection", "detections"))
	for _, d := range s.shown {
		fmt.Fprintf(&b, "%s %.2f  (%.0f, %.0f)–(%.0f, %.0f)\n", classes[d.Class], d.Score, d.Box.Xmin, d.Box.Ymin, d.Box.Xmax, d.Box.Ymax)
	}
	s.list.SetText(b.String())
}

// save writes each opened picture annotated (at its own size, up to 2048
// pixels) and all their detections as JSON lines into the dataset's
// runs/predict-N, at the sliders' thresholds. The picture on screen is
// saved as shown; the others are detected again, off the UI goroutine.
func (s *PredictScreen) save() {
	if s.pic == nil {
		return
	}
	var pics []string
	for _, p := range s.queue {
		if !video.IsVideoPath(p) {
			pics = append(pics, p)
		}
	}
	if len(pics) == 0 {
		pics = []string{s.pic.Path}
	}
	load, ok := s.detector()
	if !ok {
		return
	}
	dir, err := runs.Next(runs.Of(s.base()), runs.Predict)
	if err != nil {
		s.status.SetText("Saving failed: " + err.Error())
		return
	}
	thr := s.thresholds()
	shownPic, shown := s.pic, s.shown // the picture on screen is not detected again
	s.status.SetText(fmt.Sprintf("Saving %s…", wording.Count(len(pics), "picture", "pictures")))
	s.background(func() {
		var r usecase.PredictResult
		l, err := load()
		if err == nil {
			opt := usecase.PredictOptions{Thresholds: thr, Workers: 1, Out: dir, Save: true,
				Given: map[string]usecase.Detected{shownPic.Path: {Pic: shownPic, Dets: shown}}}
			r = usecase.PredictImages(context.Background(), l.Value, pics, opt, func(done, total int) {
				fyne.Do(func() { s.status.SetText(fmt.Sprintf("Saving: %d of %d…", done, total)) })
			})
			l.Release()
		}
		failed := make([]string, len(r.Failed))
		for i, f := range r.Failed {
			failed[i] = f.Error()
		}
		recs := r.Records
		if err == nil {
			err = inference.WriteRecords(filepath.Join(dir, "detections.jsonl"), recs, "jsonl")
		}
		fyne.Do(func() {
			switch {
			case err != nil:
				s.status.SetText("Saving failed: " + err.Error())
			case len(failed) > 0:
				s.status.SetText(fmt.Sprintf("Saved %d of %d pictures in %s; not saved: %s", len(pics)-len(failed), len(pics), dir, strings.Join(failed, "; ")))
			default:
				s.lastSave = dir
				s.status.SetText(fmt.Sprintf("Saved %s in %s", wording.Count(len(pics), "picture", "pictures"), dir))
			}
		})
	})
}

// askLive asks for a camera (the first one found is offered) or a stream's
// address and plays it live.
func (s *PredictScreen) askLive() {
	src := widget.NewEntry()
	src.SetPlaceHolder("/dev/video0 or rtsp://camera/stream")
	if cams, _ := filepath.Glob("/dev/video*"); len(cams) > 0 {
		src.SetText(cams[0])
	}
	d := dialog.NewForm("Camera or stream", "Play", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Source", src)}, func(ok bool) {
			if t := strings.TrimSpace(src.Text); ok && t != "" {
				s.playLive(t)
			}
		}, s.window)
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	d.Show()
}

// playLive plays a camera or stream; anything else is refused with why.
func (s *PredictScreen) playLive(src string) {
	if !video.IsLive(src) {
		s.status.SetText(src + ": not a camera (/dev/videoN) or a stream address (rtsp://, udp://, …)")
		return
	}
	s.Show(src)
}

// displaySmall is the long side pictures are brought to before the
// boxes and tags are drawn: the tags' font is drawn in picture pixels, and
// on a 160-pixel picture shown 700 pixels wide they came out four times
// too large, covering each other and the picture (and on a 4000-pixel
// photo, a fifth of their size).
const displaySmall = 1000

// displayCopy is img brought to about displaySmall on its long side:
// enlarged when smaller, and reduced when larger (a phone photo's tags,
// 13 picture pixels high, were 3 pixels on the screen).
func displayCopy(img image.Image) image.Image {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long == 0 || long == displaySmall {
		return img
	}
	if long > displaySmall {
		if rgba, ok := img.(*image.RGBA); ok { // block averages first: cheap
			img = pix.Reduce(rgba, displaySmall)
			b = img.Bounds()
			long = max(b.Dx(), b.Dy())
		}
		if long < displaySmall*3/2 {
			return img
		}
	}
	f := float64(displaySmall) / float64(long)
	out := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	xdraw.CatmullRom.Scale(out, out.Bounds(), img, b, xdraw.Src, nil)
	return out
}
