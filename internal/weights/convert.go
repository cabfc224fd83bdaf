package weights

import (
	"fmt"
	"strings"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/pth"
)

// Sources reads the tensors of a weights file to start from: PyTorch
// weights (.pth, read by LabelLoop's own restricted reader: nothing in
// the file runs) or a checkpoint (.safetensors).
func Sources(path string) (map[string]model.Source, error) {
	src := map[string]model.Source{}
	if strings.HasSuffix(strings.ToLower(path), ".safetensors") {
		ts, err := model.ReadSafetensors(path)
		if err != nil {
			return nil, err
		}
		for name, t := range ts {
			if t.Dtype == "F32" || len(t.Shape) == 0 {
				src[name] = model.Source{Shape: t.Shape, Data: t.F32}
			}
		}
		return src, nil
	}
	sd, err := pth.Read(path)
	if err != nil {
		return nil, err
	}
	for _, name := range sd.Names {
		t := sd.Tensors[name]
		short := strings.TrimPrefix(name, "module.")
		if _, dup := src[short]; dup {
			return nil, fmt.Errorf("%s: %s is in the file twice (with and without \"module.\")", path, short)
		}
		src[short] = model.Source{Shape: t.Shape, Data: t.Data}
	}
	return src, nil
}

// Start is the weights of g taken from a file: every tensor whose name
// and shape fit.
func Start(path string, g *model.Graph, seed uint64) (*model.Transfer, error) {
	src, err := Sources(path)
	if err != nil {
		return nil, err
	}
	t, err := model.TransferWeights(g, seed, src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Convert writes a VOC detector as a checkpoint, out and its sidecar:
// its 20 classes, the seed's anchors, at the input size given. A file
// that is not the whole detector for e's backbone is refused.
func Convert(pthPath string, e Entry, size int, out string) (*model.Transfer, error) {
	if e.Kind != Detector {
		return nil, fmt.Errorf("%s is an ImageNet backbone, not a detector: start a training run from it (--init %s)", e.Name, pthPath)
	}
	g, err := model.Build(model.Config{Backbone: e.Backbone, NumClasses: len(VOCClasses), InputSize: size})
	if err != nil {
		return nil, err
	}
	t, err := Start(pthPath, g, 0)
	if err != nil {
		return nil, err
	}
	if len(t.Left) > 0 {
		return nil, fmt.Errorf("%s: not the %s VOC detector: %s", pthPath, e.Backbone, t.Summary(pthPath))
	}
	ck := &model.Checkpoint{Backbone: e.Backbone, Classes: VOCClasses, Anchors: model.DefaultAnchors, InputSize: size, Resize: "letterbox"}
	if err := model.SaveCheckpoint(out, ck, t.Weights); err != nil {
		return nil, err
	}
	return t, nil
}
