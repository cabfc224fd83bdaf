package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/internal/weights/weightstest"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training"
)

// events runs the worker to its end and returns its events.
func (w *worker) all(t *testing.T, d time.Duration) []training.Event {
	t.Helper()
	var out []training.Event
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				if err := <-w.done; err != nil {
					t.Fatalf("worker: %v\n%s", err, w.stderr)
				}
				return out
			}
			out = append(out, e)
		case <-deadline:
			t.Fatalf("the worker did not end within %v: %s", d, w.stderr)
		}
	}
}

// weights fetch downloads the VOC detector from the mirror with progress
// and converts it (all 620 tensors); a run with --init voc takes all but
// the heads' last layer for its own classes, says so, and freezes the
// backbone for the first half; export-pth then import-pth gives the same
// tensors back.
func TestFetchTrainFromVOCAndExport(t *testing.T) {
	dir := t.TempDir()
	det, err := weightstest.Detector(dir, model.MobileNetV2, 20)
	if err != nil {
		t.Fatal(err)
	}
	srv := weightstest.NewServer(map[string][]byte{"yolov4_mobilenet_v2_voc.pth": weightstest.Read(det)})
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv(weights.URLEnv, srv.URL)

	w := startWorker(t, "weights", "fetch", "voc-mobilenetv2")
	evs := w.all(t, 2*time.Minute)
	var downloads []training.Event
	for _, e := range evs {
		if e.Event == "download" {
			downloads = append(downloads, e)
		}
	}
	last := evs[len(evs)-1]
	if len(downloads) < 2 || downloads[len(downloads)-1].Bytes != downloads[len(downloads)-1].Total || downloads[0].Total == 0 ||
		last.Event != "imported" || !strings.HasPrefix(last.Message, "transferred 620 of 620 tensors") {
		t.Fatalf("%d downloads, last %+v\n%s", len(downloads), last, w.stderr)
	}
	ck := filepath.Join(dir, "cache", "labelloop", "weights", "yolov4_mobilenet_v2_voc.safetensors")
	if last.Path != ck {
		t.Fatalf("converted to %s", last.Path)
	}

	root := tinyDataset(t)
	w = startWorker(t, "train", "--dataset", root, "--init", "voc", "--input-size", "64", "--batch", "2", "--freeze-batch", "2",
		"--epochs", "2", "--max-steps", "4", "--eval-every", "100", "--project", filepath.Join(dir, "runs"))
	var transfer, frozen *training.Event
	for _, e := range w.all(t, 3*time.Minute) {
		switch {
		case e.Event == "transfer":
			transfer = &e
		case e.Event == "epoch" && e.Epoch == 1:
			frozen = &e
		}
	}
	if transfer == nil || !strings.HasPrefix(transfer.Message, "transferred 614 of 620 tensors from yolov4_mobilenet_v2_voc.pth") ||
		!strings.Contains(transfer.Message, "yolo_head1.1.weight") {
		t.Fatalf("transfer %+v\n%s", transfer, w.stderr)
	}
	if frozen == nil || !frozen.Frozen {
		t.Fatalf("epoch 1 of 2 from pretrained weights not frozen: %+v", frozen)
	}
	t.Log(transfer.Message)

	out := filepath.Join(dir, "back.pth")
	if code := exportPth([]string{"--weights", ck, "--out", out}); code != 0 {
		t.Fatalf("export-pth: exit %d", code)
	}
	back := filepath.Join(dir, "back.safetensors")
	if code := importPth([]string{"--pth", out, "--out", back, "--classes", strings.Join(weights.VOCClasses, ",")}); code != 0 {
		t.Fatalf("import-pth: exit %d", code)
	}
	_, w1, err := model.LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	_, w2, err := model.LoadCheckpoint(back)
	if err != nil {
		t.Fatal(err)
	}
	if len(w1) != len(w2) {
		t.Fatalf("%d tensors back, %d out", len(w2), len(w1))
	}
	for name, v := range w1 {
		if !slices.Equal(v, w2[name]) {
			t.Fatalf("%s differs after export-pth → import-pth", name)
		}
	}
}

// --init imagenet fetches the backbone for --backbone (the seed's V1 file
// here) and takes all of its tensors that the detector has, the neck and
// heads starting fresh; a file whose sha256 does not begin with the
// prefix in its name (torchvision's) is refused by weights fetch.
func TestTrainFromImageNetBackbone(t *testing.T) {
	dir := t.TempDir()
	bb, n, err := weightstest.Backbone(dir, model.MobileNetV1)
	if err != nil {
		t.Fatal(err)
	}
	srv := weightstest.NewServer(map[string][]byte{"mobilenet_v1_weights.pth": weightstest.Read(bb), "mobilenet_v2-b0353104.pth": []byte("not torchvision's file")})
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv(weights.URLEnv, srv.URL)

	root := tinyDataset(t)
	w := startWorker(t, "train", "--dataset", root, "--init", "imagenet", "--backbone", "mobilenetv1", "--input-size", "64", "--batch", "2",
		"--freeze-batch", "2", "--epochs", "2", "--max-steps", "2", "--project", filepath.Join(dir, "runs"))
	var transfer *training.Event
	for _, e := range w.all(t, 3*time.Minute) {
		if e.Event == "transfer" {
			transfer = &e
		}
	}
	want := fmt.Sprintf("transferred %d of 470 tensors from mobilenet_v1_weights.pth; left out, not in the file", n)
	if transfer == nil || !strings.HasPrefix(transfer.Message, want) || !strings.Contains(transfer.Message, "conv1.0.conv.weight") {
		t.Fatalf("transfer %+v, want %q\n%s", transfer, want, w.stderr)
	}

	w = startWorker(t, "weights", "fetch", "imagenet-mobilenetv2")
	last, err := w.exitWithin(t, time.Minute)
	if err == nil || last.Event != "error" || !strings.Contains(last.Message, "its name says b0353104") {
		t.Fatalf("exit %v, last %+v", err, last)
	}
}

// The name may come before --input-size, as the usage line shows it, and
// a bad size is refused before any download.
func TestFetchFlagsAfterTheName(t *testing.T) {
	dir := t.TempDir()
	srv := weightstest.NewServer(map[string][]byte{})
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv(weights.URLEnv, srv.URL)
	w := startWorker(t, "weights", "fetch", "voc-mobilenetv2", "--input-size", "100")
	for range w.events {
	}
	if err := <-w.done; err == nil {
		t.Fatal("a bad --input-size exited 0")
	}
	if !strings.Contains(w.stderr.String(), "--input-size: 100") || len(srv.Ranges()) != 0 {
		t.Fatalf("%d requests; stderr:\n%s", len(srv.Ranges()), w.stderr)
	}
}
