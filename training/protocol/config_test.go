package protocol

import (
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Dataset: "d", InputSize: 100}, "multiple of 32"},
		{Config{Dataset: "d", Batch: 1}, "at least 2"},
		{Config{Dataset: "d", Epochs: 10, FreezeEpochs: 10}, "freeze epochs"},
		{Config{Dataset: "d", Optimizer: "rmsprop"}, "adam or sgd"},
		{Config{Dataset: "d", Backbone: "resnet"}, "unknown backbone"},
		{Config{Dataset: "d", Init: "w.bin"}, "PyTorch weights (.pth)"},
		{Config{Dataset: "d"}, ""},
	} {
		c.cfg.Defaults()
		err := c.cfg.Check()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
