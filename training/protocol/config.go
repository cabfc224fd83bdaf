package protocol

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/model"
)

// Config is a training run. Zero values take the reference's defaults.
type Config struct {
	Dataset   string `json:"dataset"`
	Backbone  string `json:"backbone"`   // mobilenetv1, mobilenetv2 (default), mobilenetv3
	InputSize int    `json:"input_size"` // 416
	Resize    string `json:"resize"`     // letterbox (default, grey 128 bars) or plain (stretched to the square)
	Epochs    int    `json:"epochs"`     // 100
	Batch     int    `json:"batch"`      // 8
	// FreezeEpochs keeps the backbone fixed for the first epochs, trained
	// at FreezeBatch (the reference: 50 epochs at batch 16, when starting
	// from pretrained weights). 0: no freezing.
	FreezeEpochs int     `json:"freeze_epochs"`
	FreezeBatch  int     `json:"freeze_batch"` // 2×batch
	Optimizer    string  `json:"optimizer"`    // adam (default) or sgd
	LR           float64 `json:"lr"`           // the seed's rule: batch/64 × (adam 1e-3, sgd 1e-2), clamped to adam 3e-4..1e-3, sgd 5e-4..5e-2
	// WeightDecay on convolution and linear weights: sgd 5e-4, adam 0
	// (as the reference); nil for the default.
	WeightDecay *float64    `json:"weight_decay,omitempty"`
	ClipNorm    float64     `json:"clip_norm"` // clip gradients to this global norm (0: off)
	Loss        LossOptions `json:"loss"`
	Seed        uint64      `json:"seed"`
	Anchors     string      `json:"anchors"`          // "default" (the seed's yolo_anchors.txt as they are, at any input size), "scaled" (those × size/416) or "auto" (k-means)
	EvalEvery   int         `json:"eval_every"`       // mAP@0.5 every N epochs (10)
	Workers     int         `json:"workers"`          // data goroutines (number of CPUs)
	Project     string      `json:"project"`          // where runs/train-N go ("runs")
	Init        string      `json:"init"`             // weights to start from: a checkpoint (.safetensors), PyTorch weights (.pth), or "voc"/"imagenet" (the seed's published weights for the backbone, fetched into the cache)
	Resume      string      `json:"resume,omitempty"` // a run folder to continue (its config is used; only epochs may grow)
	MaxSteps    int         `json:"max_steps"`        // stop after this many steps (quick runs, tests)
	// Augment is "default" (the reference's recipe), "flip" (flips only,
	// as the reference's calibration runs) or "none".
	Augment string   `json:"augment"`
	Mosaic  *float64 `json:"mosaic,omitempty"` // probability (0.5); nil for the default
	Mixup   *float64 `json:"mixup,omitempty"`  // probability on mosaics (0.5)
}

// Defaults fills the zero values with the reference's.
func (c *Config) Defaults() {
	if c.Backbone == "" {
		c.Backbone = model.MobileNetV2
	}
	if c.InputSize == 0 {
		c.InputSize = 416
	}
	if c.Epochs == 0 {
		c.Epochs = 100
	}
	if c.Batch == 0 {
		c.Batch = 8
	}
	if c.FreezeBatch == 0 {
		c.FreezeBatch = 2 * c.Batch
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.WeightDecay == nil {
		wd := 0.0
		if c.Optimizer == "sgd" {
			wd = 5e-4
		}
		c.WeightDecay = &wd
	}
	if c.Anchors == "" {
		c.Anchors = "default"
	}
	if c.Resize == "" {
		c.Resize = "letterbox"
	}
	if c.Augment == "" {
		c.Augment = "default"
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = 10
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Project == "" {
		c.Project = "runs"
	}
}

// Check reports the first setting that cannot work, in the user's terms.
func (c *Config) Check() error {
	if err := c.checkCounts(); err != nil {
		return err
	}
	if err := oneOf("optimizer", c.Optimizer, "adam", "sgd"); err != nil {
		return err
	}
	switch {
	case c.LR < 0 || c.LR > 1:
		return fmt.Errorf("learning rate %g: want a value between 0 and 1", c.LR)
	case c.Loss.LabelSmoothing < 0 || c.Loss.LabelSmoothing >= 1:
		return fmt.Errorf("label smoothing %g: want 0 to 1", c.Loss.LabelSmoothing)
	}
	for _, ch := range []struct {
		what, v string
		want    []string
	}{
		{"resize", c.Resize, []string{"letterbox", "plain"}},
		{"augment", c.Augment, []string{"default", "flip", "none"}},
		{"anchors", c.Anchors, []string{"default", "scaled", "auto"}},
	} {
		if err := oneOf(ch.what, ch.v, ch.want...); err != nil {
			return err
		}
	}
	for _, p := range []*float64{c.Mosaic, c.Mixup} {
		if p != nil && (*p < 0 || *p > 1) {
			return fmt.Errorf("mosaic/mixup probability %g: want 0 to 1", *p)
		}
	}
	if _, err := model.Build(model.Config{Backbone: c.Backbone, NumClasses: 1, InputSize: c.InputSize}); err != nil {
		return err
	}
	if c.Init != "" && !weights.IsStart(c.Init) && !strings.HasSuffix(c.Init, ".safetensors") && !strings.HasSuffix(strings.ToLower(c.Init), ".pth") {
		return fmt.Errorf("init %s: want a .safetensors checkpoint, PyTorch weights (.pth), voc (the seed's VOC detector) or imagenet (its ImageNet backbone)", c.Init)
	}
	return nil
}

// checkCounts checks the dataset, the input size, the epochs and the batch
// sizes.
func (c *Config) checkCounts() error {
	switch {
	case c.Dataset == "":
		return fmt.Errorf("no dataset")
	case c.InputSize < 32 || c.InputSize%32 != 0:
		return fmt.Errorf("input size %d: must be a multiple of 32", c.InputSize)
	case c.Epochs < 1:
		return fmt.Errorf("epochs %d: must be at least 1", c.Epochs)
	case c.Batch < 2 || c.FreezeBatch < 2:
		return fmt.Errorf("batch size %d: BatchNorm needs at least 2 images per batch", min(c.Batch, c.FreezeBatch))
	case c.FreezeEpochs < 0 || c.FreezeEpochs >= c.Epochs:
		return fmt.Errorf("freeze epochs %d: must be from 0 to epochs−1 (%d)", c.FreezeEpochs, c.Epochs-1)
	}
	return nil
}

// oneOf checks a setting that takes one of a few words: "augment \"x\":
// want default, flip or none".
func oneOf(what, v string, want ...string) error {
	if slices.Contains(want, v) {
		return nil
	}
	return fmt.Errorf("%s %q: want %s or %s", what, v, strings.Join(want[:len(want)-1], ", "), want[len(want)-1])
}

// LossOptions are the reference's optional loss variants.
type LossOptions struct {
	// LabelSmoothing ε turns class targets into 1−ε+ε/nc and ε/nc.
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	// Focal weighs objectness BCE by α (0.25 for objects, 0.75 for
	// background) and (|target − p|)^2, and scales it by 10, as the
	// reference's focal_loss option does.
	Focal bool `json:"focal,omitempty"`
}
