package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/voc"
)

// tryVOCLabel is the first-run button of the Predict tab: with no model
// yet, one click gets the seed's VOC detector, so a new user sees
// detections on their own photo before labelling anything.
const tryVOCLabel = "Try the VOC detector (20 classes: person, car, dog, …)"

// tryRow is the button and its download progress; shown only while no
// model is chosen (and the app can fetch one).
func (s *PredictScreen) tryRow() fyne.CanvasObject {
	s.tryBtn = widget.NewButton(tryVOCLabel, s.tryVOC)
	s.tryProgress = widget.NewProgressBar()
	s.tryProgress.Hide()
	s.try = container.NewVBox(s.tryBtn, s.tryProgress)
	s.try.Hide()
	return s.try
}

// EnableTryVOC gives the tab its way of fetching the VOC detector.
func (s *PredictScreen) EnableTryVOC(f func(progress func(done, total int64)) (string, error)) {
	s.TryVOC = f
	s.showTry()
}

// showTry shows the button when there is no model to run.
func (s *PredictScreen) showTry() {
	if s.try == nil {
		return
	}
	if s.TryVOC != nil && strings.TrimSpace(s.model.Text) == "" {
		s.try.Show()
	} else if !s.fetching {
		s.try.Hide()
	}
}

// tryVOC fetches, converts and exports the VOC detector off the UI
// goroutine, with its progress on the bar, then runs it on the picture
// already open, if any.
func (s *PredictScreen) tryVOC() {
	if s.TryVOC == nil || s.fetching {
		return
	}
	s.fetching = true
	s.tryBtn.Disable()
	s.tryProgress.SetValue(0)
	s.tryProgress.Show()
	s.status.SetText("Downloading the VOC detector…")
	dataset := s.dataset
	s.background(func() {
		path, err := s.TryVOC(func(done, total int64) {
			fyne.Do(func() {
				if total > 0 {
					s.tryProgress.SetValue(float64(done) / float64(total))
					s.status.SetText(fmt.Sprintf("Downloading the VOC detector: %.1f of %.1f MB", float64(done)/1e6, float64(total)/1e6))
				}
			})
		})
		// one click shows detections: on the picture open, else on the
		// open folder's first
		var first string
		if err == nil && dataset != "" {
			if ds, derr := voc.Open(dataset); derr == nil {
				for _, it := range ds.Items {
					if it.Image != "" {
						first = it.Image
						break
					}
				}
			}
		}
		fyne.Do(func() {
			s.fetching = false
			s.tryBtn.Enable()
			s.tryProgress.Hide()
			if err != nil {
				s.status.SetText(err.Error())
				return
			}
			s.model.SetText(path)
			s.status.SetText("The VOC detector is ready (20 classes). Open a picture, or drop one on the window.")
			switch {
			case len(s.queue) > 0:
				s.rerun()
			case first != "" && s.dataset == dataset:
				s.Show(first)
			}
		})
	})
}
