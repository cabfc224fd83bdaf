package cli

import (
	"flag"
	"fmt"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/voc"
)

// modelFlags are the options every command that runs a detector takes.
type modelFlags struct {
	model    *string
	classes  *string
	conf     *float64
	nms      *float64
	agnostic *bool
	threads  *int
}

func addModelFlags(fs *flag.FlagSet, conf, nms float64) modelFlags {
	return modelFlags{
		model:    fs.String("model", "", "the detector (.onnx written by labelloop export, or the reference's ONNX with --classes)"),
		classes:  fs.String("classes", "", "a classes.txt naming the model's classes (needed for ONNX files without LabelLoop metadata)"),
		conf:     fs.Float64("conf", conf, "minimum score (objectness × class)"),
		nms:      fs.Float64("nms", nms, "NMS IoU threshold"),
		agnostic: fs.Bool("agnostic", false, "suppress overlapping boxes across classes, not only within one"),
		threads:  fs.Int("threads", 0, "ONNX Runtime threads per image (0: its default)"),
	}
}

func (m modelFlags) thresholds() inference.Thresholds {
	return inference.Thresholds{Conf: float32(*m.conf), NMS: *m.nms, Agnostic: *m.agnostic}
}

func (m modelFlags) load() (*inference.Detector, error) {
	if *m.model == "" {
		return nil, fmt.Errorf("--model is required")
	}
	opt := inference.LoadOptions{Threads: *m.threads}
	if *m.classes != "" {
		c, err := voc.ReadClasses(*m.classes)
		if err != nil {
			return nil, err
		}
		opt.Classes = c
	}
	return inference.Load(*m.model, opt)
}
