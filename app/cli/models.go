package cli

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/model"
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
	anchors  *string
}

func addModelFlags(fs *flag.FlagSet, conf, nms float64) modelFlags {
	maxPixelsFlag(fs) // every command that reads pictures takes it
	return modelFlags{
		model:    fs.String("model", "", "the detector (.onnx written by labelloop export, or the reference's ONNX with --classes)"),
		classes:  fs.String("classes", "", "a classes.txt naming the model's classes (needed for ONNX files without LabelLoop metadata)"),
		conf:     fs.Float64("conf", conf, "minimum score (objectness × class)"),
		nms:      fs.Float64("nms", nms, "NMS IoU threshold"),
		agnostic: fs.Bool("agnostic", false, "suppress overlapping boxes across classes, not only within one"),
		threads:  fs.Int("threads", 0, "ONNX Runtime threads per image (0: the cores shared among the images run at once)"),
		anchors:  fs.String("anchors", "", "anchors file in the reference's format (yolo_anchors.txt: 12,16, 19,36, ...), for ONNX files without metadata"),
	}
}

func (m modelFlags) thresholds() detect.Thresholds {
	return detect.Thresholds{Conf: float32(*m.conf), NMS: *m.nms, Agnostic: *m.agnostic}
}

// load opens the model for parallel images at a time (1 for a video or
// a one-by-one loop). Without --threads each gets an equal share of the
// cores. A note on the device (no GPU used, and why) goes to stderr.
func (m modelFlags) load(parallel int, stderr io.Writer) (*inference.Detector, error) {
	if *m.model == "" {
		return nil, fmt.Errorf("--model is required")
	}
	opt := inference.LoadOptions{Threads: *m.threads}
	if opt.Threads <= 0 {
		opt.Threads = max(1, runtime.NumCPU()/max(1, parallel))
	}
	if *m.classes != "" {
		c, err := voc.ReadClasses(*m.classes)
		if err != nil {
			return nil, err
		}
		opt.Classes = c
	}
	if *m.anchors != "" {
		a, err := model.ReadAnchors(*m.anchors)
		if err != nil {
			return nil, err
		}
		opt.Anchors = &a
	}
	det, err := inference.Load(*m.model, opt)
	if err == nil {
		if _, note := det.Device(); note != "" {
			fmt.Fprintln(stderr, "note:", note)
		}
	}
	return det, err
}

// closeDetector closes det, saying on stderr when ONNX Runtime could not
// free it (the command's results stand).
func closeDetector(det *inference.Detector, stderr io.Writer, cmd string) {
	if err := det.Close(); err != nil {
		fmt.Fprintf(stderr, "labelloop %s: %v\n", cmd, err)
	}
}
