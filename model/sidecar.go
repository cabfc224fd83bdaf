package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/labelloop/labelloop/internal/classname"
)

// The input sizes a checkpoint or model file may have: multiples of 32
// from 32 to 1280. Larger inputs are not a YOLOv4-MobileNet use, and a
// size from a hostile file must not size a buffer.
const (
	MinInputSize = 32
	MaxInputSize = 1280
)

// ResizeModes are the known ways a picture becomes the network's input;
// an empty mode (sidecars from before it was recorded) means letterbox.
var ResizeModes = []string{"letterbox", "plain"}

// maxSidecar bounds a sidecar's size: classes, anchors and a few metrics.
const maxSidecar = 16 << 20

// ReadSidecar reads and checks a checkpoint's JSON sidecar. A refusal is a
// *BadFileError naming the file and the field.
func ReadSidecar(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSidecar+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parseSidecar(path, data)
}

func parseSidecar(path string, data []byte) (*Checkpoint, error) {
	if len(data) > maxSidecar {
		return nil, badFile(path, "", "more than %d MB, not a sidecar", maxSidecar>>20)
	}
	var ck Checkpoint
	if err := json.Unmarshal(data, &ck); err != nil {
		return nil, badFile(path, "", "not a checkpoint sidecar: %v", err)
	}
	// [9][2]float64 takes a short or long list without a word: count the
	// pairs as written.
	var raw struct {
		Anchors *[][]float64 `json:"anchors"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || raw.Anchors == nil {
		return nil, badFile(path, "anchors", "missing: want 9 [width, height] pairs")
	}
	if len(*raw.Anchors) != 9 {
		return nil, badFile(path, "anchors", "%d pairs, want 9", len(*raw.Anchors))
	}
	for i, a := range *raw.Anchors {
		if len(a) != 2 {
			return nil, badFile(path, "anchors", "pair %d has %d numbers, want [width, height]", i+1, len(a))
		}
	}
	if field, err := ck.check(); err != nil {
		return nil, badFile(path, field, "%v", err)
	}
	return &ck, nil
}

// check reports the first field that no network or exporter could use.
func (c *Checkpoint) check() (field string, err error) {
	if !slices.Contains(Backbones, c.Backbone) {
		return "backbone", fmt.Errorf("%q, want %s", c.Backbone, strings.Join(Backbones, ", "))
	}
	if len(c.Classes) == 0 {
		return "classes", fmt.Errorf("empty: a detector needs at least one class")
	}
	seen := make(map[string]bool, len(c.Classes))
	for i, name := range c.Classes {
		if err := classname.Check(name); err != nil {
			return "classes", fmt.Errorf("class %d: %w", i+1, err)
		}
		if seen[name] {
			return "classes", fmt.Errorf("class %d: %q is listed twice", i+1, name)
		}
		seen[name] = true
	}
	if err := CheckAnchors(c.Anchors); err != nil {
		return "anchors", err
	}
	if err := CheckInputSize(c.InputSize); err != nil {
		return "input_size", err
	}
	if c.Resize != "" && !slices.Contains(ResizeModes, c.Resize) {
		return "resize", fmt.Errorf("%q, want %s", c.Resize, strings.Join(ResizeModes, " or "))
	}
	if c.Epoch < 0 {
		return "epoch", fmt.Errorf("%d is negative", c.Epoch)
	}
	return "", nil
}

// CheckInputSize reports an input size outside MinInputSize..MaxInputSize
// or not a multiple of 32.
func CheckInputSize(s int) error {
	if s < MinInputSize || s > MaxInputSize || s%32 != 0 {
		return fmt.Errorf("%d, want a multiple of 32 from %d to %d", s, MinInputSize, MaxInputSize)
	}
	return nil
}

// CheckAnchors reports an anchor that is not a positive, finite size (in
// input pixels; a box may reach past the input, so up to 8× the largest).
func CheckAnchors(a [9][2]float64) error {
	for i, wh := range a {
		for _, v := range wh {
			if !(v > 0) || math.IsInf(v, 0) || v > 8*MaxInputSize {
				return fmt.Errorf("anchor %d is %v×%v, want positive sizes up to %d pixels", i+1, wh[0], wh[1], 8*MaxInputSize)
			}
		}
	}
	return nil
}
