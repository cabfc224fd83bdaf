package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/training/protocol"
)

// The Train form's "Start from" choices. The pretrained ones are fetched
// by the worker into the cache on first use (its download events show
// here); a pretrained start freezes the backbone for the first half, the
// seed's recipe.
const (
	startVOC      = "VOC detector (pretrained)"
	startImageNet = "ImageNet backbone"
	startScratch  = "Scratch (random weights)"
	startFile     = "File"
)

var startInit = map[string]string{startVOC: "voc", startImageNet: "imagenet", startScratch: ""}

// startFromRow is the "Start from" choice with the file field and its
// Browse button, used when File is chosen.
func (s *TrainScreen) startFromRow() *fyne.Container {
	s.start = widget.NewSelect([]string{startVOC, startImageNet, startScratch, startFile}, func(string) {
		if s.initW == nil {
			return
		}
		if s.start.Selected == startFile {
			s.initW.Enable()
		} else {
			s.initW.Disable()
		}
		s.freezeRecipe()
		s.validate()
	})
	s.start.SetSelected(startVOC)
	return container.NewVBox(s.start, container.NewBorder(nil, nil, nil, widget.NewButton("Browse…", s.browseInit), s.initW))
}

// initValue is the form's init setting: voc, imagenet, a file, or none.
func (s *TrainScreen) initValue() string {
	if v, ok := startInit[s.start.Selected]; ok {
		return v
	}
	return strings.TrimSpace(s.initW.Text)
}

// freezeRecipe sets Freeze epochs to the seed's recipe for the start
// (half the epochs from pretrained weights, none from scratch) until the
// person types a value of their own.
func (s *TrainScreen) freezeRecipe() {
	if s.freezeTyped || s.freeze == nil || s.start == nil {
		return
	}
	if n, ok := s.recipeFreeze(); ok {
		s.settingFreeze = true
		s.freeze.SetText(n)
		s.settingFreeze = false
	}
}

// recipeFreeze is the recipe's Freeze epochs for the form as it is.
func (s *TrainScreen) recipeFreeze() (string, bool) {
	if s.start.Selected == startScratch || (s.start.Selected == startFile && strings.TrimSpace(s.initW.Text) == "") {
		return "0", true
	}
	epochs, err := strconv.Atoi(strings.TrimSpace(s.epochs.Text))
	if err != nil {
		return "", false
	}
	return strconv.Itoa(epochs / 2), true
}

// restoredStart settles the start after RestoreForm: a form saved before
// "Start from" existed started from its file when it named one, and the
// recipe goes on following Epochs when the saved value was its own.
func (s *TrainScreen) restoredStart(f map[string]string) {
	if _, ok := f["start"]; !ok {
		if strings.TrimSpace(f["init"]) != "" {
			s.start.SetSelected(startFile)
		} else {
			s.start.SetSelected(startScratch)
		}
	}
	n, ok := s.recipeFreeze()
	s.freezeTyped = !ok || n != strings.TrimSpace(s.freeze.Text)
}

// applyStart shows the events of a pretrained start: the download's
// progress on the bar and status line, and what the weights gave.
func (s *TrainScreen) applyStart(e protocol.Event) {
	switch e.Event {
	case protocol.EventDownload:
		mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
		if e.Total > 0 {
			s.progress.SetValue(float64(e.Bytes) / float64(e.Total))
			s.status.SetText(fmt.Sprintf("Downloading %s: %s of %s (%d%%)", e.Path, mb(e.Bytes), mb(e.Total), 100*e.Bytes/e.Total))
		} else {
			s.status.SetText(fmt.Sprintf("Downloading %s: %s", e.Path, mb(e.Bytes)))
		}
		if !s.downloading {
			s.downloading = true
			s.addLogAt(eventTime(e), fmt.Sprintf("downloading %s from %s", e.Path, e.Message))
		}
		if e.Total > 0 && e.Bytes == e.Total {
			s.downloading = false
			s.addLogAt(eventTime(e), fmt.Sprintf("downloaded %s (%s)", e.Path, mb(e.Total)))
		}
	case protocol.EventTransfer:
		s.addLogAt(eventTime(e), e.Message)
	}
}
