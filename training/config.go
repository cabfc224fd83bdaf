package training

import "github.com/labelloop/labelloop/training/protocol"

// Config is a training run (see protocol.Config).
type Config = protocol.Config

// baseLR is the run's peak learning rate for a batch size: as given, or
// the seed's rule, Init_lr scaled by batch/64 and clamped: Adam 1e-3
// within 3e-4..1e-3 (so 3e-4 at batch 8), SGD 1e-2 within 5e-4..5e-2.
func baseLR(c *Config, batch int) float64 {
	if c.LR > 0 {
		return c.LR
	}
	if c.Optimizer == "sgd" {
		return min(max(1e-2*float64(batch)/64, 5e-4), 5e-2)
	}
	return min(max(1e-3*float64(batch)/64, 3e-4), 1e-3)
}

// augment is the data recipe the config asks for.
func augmentFor(c *Config) Augment {
	switch c.Augment {
	case "none":
		return Augment{}
	case "flip":
		return Augment{Flip: 0.5}
	}
	a := DefaultAugment
	if c.Mosaic != nil {
		a.Mosaic = *c.Mosaic
	}
	if c.Mixup != nil {
		a.Mixup = *c.Mixup
	}
	return a
}
