package training

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sugarme/gotch/pickle"

	"github.com/labelloop/labelloop/model"
)

// PthImport is what ImportPth matched.
type PthImport struct {
	Weights  map[string][]float32 // every tensor of the network
	Loaded   int                  // tensors taken from the file
	Fresh    []string             // tensors the file lacked, newly initialised (e.g. the head, for a backbone)
	Ignored  []string             // tensors of the file the network has no place for
	Prefixed bool                 // the file's names got "backbone.model." (a bare torchvision backbone)
}

// ImportPth reads a PyTorch state dict saved with torch.save (the
// reference's published weights, or torchvision's ImageNet MobileNet for
// the backbone) for the network g. A "module." prefix (DataParallel) is
// dropped; a file with none of the network's names but torchvision's
// ("features.0.0.weight") gets "backbone.model.". A shape mismatch is an
// error naming the first mismatched tensor, in the network's order; so is
// a file that matches nothing. Tensors the file lacks start from the
// reference's initialisation (seed). With only set (e.g. "backbone."),
// just the file's tensors under that prefix are taken.
func ImportPth(path string, g *model.Graph, seed uint64, only string) (*PthImport, error) {
	raw, err := pickle.Decode(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PyTorch state dict: %w", path, err)
	}
	file := map[string][]int64{}
	vals := map[string][]float32{}
	for name, t := range raw {
		shape := t.MustSize()
		f := t.Float64Values(true)
		name = strings.TrimPrefix(name, "module.")
		v := make([]float32, len(f))
		for i, x := range f {
			v[i] = float32(x)
		}
		file[name], vals[name] = shape, v
	}
	want := map[string]model.Param{}
	for _, p := range g.Params {
		want[p.Name] = p
	}
	imp := &PthImport{Weights: model.InitWeights(g, seed)}
	hits := 0
	for name := range file {
		if _, ok := want[name]; ok {
			hits++
		}
	}
	if hits == 0 {
		for name := range file {
			if _, ok := want["backbone.model."+name]; ok {
				imp.Prefixed = true
				break
			}
		}
		if !imp.Prefixed {
			return nil, fmt.Errorf("%s: none of its %d tensors belongs to a %s detector (is it for another network?)", path, len(file), g.Backbone)
		}
		pf := map[string][]int64{}
		pv := map[string][]float32{}
		for name := range file {
			pf["backbone.model."+name], pv["backbone.model."+name] = file[name], vals[name]
		}
		file, vals = pf, pv
	}
	for _, p := range g.Params {
		shape, ok := file[p.Name]
		if !strings.HasPrefix(p.Name, only) {
			ok = false
		}
		if !ok {
			if p.Kind != model.BNCount {
				imp.Fresh = append(imp.Fresh, p.Name)
			}
			continue
		}
		if p.Kind == model.BNCount {
			imp.Loaded++
			continue
		}
		if !sameShape(shape, p.Shape) {
			return nil, fmt.Errorf("%s: %s has shape %v in the file but %v in this network (%s, %d classes)%s",
				path, p.Name, shape, p.Shape, g.Backbone, g.NumClasses, shapeHint(p))
		}
		imp.Weights[p.Name] = vals[p.Name]
		imp.Loaded++
	}
	for name := range file {
		if _, ok := want[name]; !ok || !strings.HasPrefix(name, only) {
			imp.Ignored = append(imp.Ignored, name)
		}
	}
	sort.Strings(imp.Ignored)
	return imp, nil
}

func sameShape(a []int64, b []int) bool {
	if len(a) == 0 && len(b) == 1 && b[0] == 1 {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != int64(b[i]) {
			return false
		}
	}
	return true
}

// shapeHint explains the classic mismatch: a head made for another
// number of classes.
func shapeHint(p model.Param) string {
	if strings.HasPrefix(p.Name, "yolo_head") && len(p.Shape) > 0 {
		return ": the file's detector has another number of classes; import only its backbone (--backbone-only), or use the class list it was trained with"
	}
	return ""
}
