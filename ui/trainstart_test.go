package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/labelloop/labelloop/training/protocol"
)

// Start from: the VOC detector by default with the seed's recipe (the
// backbone frozen for half the epochs, following Epochs until Freeze
// epochs is typed), the ImageNet backbone, scratch (no freezing), or a
// file from the field; a form saved before the choice existed restores
// as it ran.
func TestTrainStartFrom(t *testing.T) {
	test.NewTempApp(t)
	s := NewTrainScreen(nil)
	s.SetDataset(t.TempDir())
	config := func() protocol.Config {
		t.Helper()
		c, err := s.Config()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := config(); s.start.Selected != startVOC || c.Init != "voc" || c.FreezeEpochs != 50 || c.FreezeBatch != 16 || !s.initW.Disabled() {
		t.Fatalf("default: %q %+v", s.start.Selected, c)
	}
	s.epochs.SetText("10")
	if c := config(); c.FreezeEpochs != 5 || s.problem.Text != "" {
		t.Fatalf("10 epochs: freeze %d (%q)", c.FreezeEpochs, s.problem.Text)
	}
	for _, c := range []struct {
		start, init string
		freeze      int
	}{{startImageNet, "imagenet", 5}, {startScratch, "", 0}} {
		s.start.SetSelected(c.start)
		if got := config(); got.Init != c.init || got.FreezeEpochs != c.freeze {
			t.Errorf("%s: init %q freeze %d", c.start, got.Init, got.FreezeEpochs)
		}
	}
	// File with no file would train from scratch without a word
	s.start.SetSelected(startFile)
	if _, err := s.Config(); err == nil || !strings.Contains(s.problem.Text, "choose the weights file") || !s.startBtn.Disabled() {
		t.Fatalf("File with no file: %v, problem %q, Start enabled %v", err, s.problem.Text, !s.startBtn.Disabled())
	}
	s.initW.SetText("/w/last.safetensors")
	if c := config(); c.Init != "/w/last.safetensors" || c.FreezeEpochs != 5 || s.initW.Disabled() {
		t.Fatalf("file: %+v", c)
	}
	s.freeze.SetText("2") // typed: the recipe no longer moves it
	s.epochs.SetText("40")
	s.start.SetSelected(startVOC)
	if c := config(); c.FreezeEpochs != 2 {
		t.Fatalf("typed freeze became %d", c.FreezeEpochs)
	}

	old := NewTrainScreen(nil)
	old.RestoreForm(map[string]string{"epochs": "30", "freeze": "0", "init": ""})
	if old.start.Selected != startScratch {
		t.Fatalf("an old form without a file restored as %q", old.start.Selected)
	}
	old.RestoreForm(map[string]string{"epochs": "30", "freeze": "15", "start": startVOC})
	old.epochs.SetText("20")
	if old.freeze.Text != "10" {
		t.Fatalf("a restored recipe value stopped following epochs: %q", old.freeze.Text)
	}
}

// The worker's download events move the progress bar and status line; the
// transfer event goes to the log.
func TestTrainShowsDownloadAndTransfer(t *testing.T) {
	test.NewTempApp(t)
	s := NewTrainScreen(nil)
	for _, e := range []protocol.Event{
		{Event: "download", Path: "yolov4_mobilenet_v2_voc.pth", Bytes: 0, Total: 40_000_000, Message: "http://mirror/yolov4_mobilenet_v2_voc.pth"},
		{Event: "download", Path: "yolov4_mobilenet_v2_voc.pth", Bytes: 10_000_000, Total: 40_000_000},
	} {
		s.Apply(e)
	}
	if s.progress.Value != 0.25 || s.status.Text != "Downloading yolov4_mobilenet_v2_voc.pth: 10.0 MB of 40.0 MB (25%)" {
		t.Fatalf("%v %q", s.progress.Value, s.status.Text)
	}
	s.Apply(protocol.Event{Event: "download", Path: "yolov4_mobilenet_v2_voc.pth", Bytes: 40_000_000, Total: 40_000_000})
	s.Apply(protocol.Event{Event: "transfer", Message: "transferred 614 of 620 tensors from yolov4_mobilenet_v2_voc.pth"})
	log := s.log.Text
	for _, want := range []string{"downloading yolov4_mobilenet_v2_voc.pth from http://mirror/", "downloaded yolov4_mobilenet_v2_voc.pth (40.0 MB)", "transferred 614 of 620 tensors"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Count(log, "downloading") != 1 {
		t.Errorf("one line per download:\n%s", log)
	}
}

// Stopped while the starting weights download: no run exists, so the
// status says the download stopped (not "stopped at step 0; the last
// weights are saved").
func TestTrainStoppedDuringDownload(t *testing.T) {
	test.NewTempApp(t)
	s := NewTrainScreen(nil)
	s.Apply(protocol.Event{Event: protocol.EventDownload, Path: "yolov4_mobilenet_v3_voc.pth", Bytes: 15e6, Total: 56.7e6})
	s.Apply(protocol.Event{Event: protocol.EventDone, Stopped: true})
	if !strings.Contains(s.status.Text, "while downloading") || strings.Contains(s.status.Text, "step 0") {
		t.Fatalf("status %q", s.status.Text)
	}
}
