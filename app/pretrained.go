package app

import (
	"context"
	"os"
	"strings"

	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/usecase"
)

// tryVOC is the Predict tab's first-run model: the seed's VOC detector
// (MobileNetV2, 20 classes) fetched into the cache, converted to a
// checkpoint and exported to ONNX beside it, each step once.
func tryVOC(progress func(done, total int64)) (string, error) {
	dir, err := weights.DefaultDir()
	if err != nil {
		return "", err
	}
	e, err := weights.For(weights.Detector, model.MobileNetV2)
	if err != nil {
		return "", err
	}
	f := &weights.Fetcher{Dir: dir, Progress: progress}
	p, err := f.Fetch(context.Background(), e)
	if err != nil {
		return "", err
	}
	base := strings.TrimSuffix(p, ".pth")
	if _, err := os.Stat(base + ".onnx"); err == nil {
		return base + ".onnx", nil
	}
	if _, err := weights.Convert(p, e, 416, base+".safetensors"); err != nil {
		return "", err
	}
	r, err := usecase.Export(context.Background(), base+".safetensors", usecase.ExportOptions{Out: base + ".onnx"}, nil)
	return r.Path, err
}
