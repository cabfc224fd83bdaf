package training

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/pth"
)

// PthImport is what ImportPth matched.
type PthImport struct {
	Weights  map[string][]float32 // every tensor of the network
	Loaded   int                  // tensors taken from the file
	Fresh    []string             // tensors the file lacked, newly initialised (e.g. the head, for a backbone)
	Ignored  []string             // tensors of the file the network has no place for
	Prefixed bool                 // the file's names got "backbone.model." (a bare torchvision backbone)
	// Converted counts the weights taken that were saved in another
	// floating-point type than float32 (float16, bfloat16, float64), by
	// type: they were converted, which is fine when it was meant.
	Converted map[string]int
}

// ImportPth reads a PyTorch state dict saved with torch.save (the
// reference's published weights, or torchvision's ImageNet MobileNet for
// the backbone) for the network g, with LabelLoop's own restricted reader
// (package pth: nothing in the file is run). A "module." prefix
// (DataParallel) is dropped; a file with none of the network's names but
// torchvision's ("features.0.0.weight") gets "backbone.model.". A shape
// mismatch is an error naming the first mismatched tensor, in the
// network's order; so is a file that matches nothing, and a weight that is
// not finite. Tensors the file lacks start from the reference's
// initialisation (seed). With only set (e.g. "backbone."), just the
// file's tensors under that prefix are taken.
func ImportPth(path string, g *model.Graph, seed uint64, only string) (*PthImport, error) {
	sd, err := pth.Read(path)
	if err != nil {
		return nil, err
	}
	file := map[string][]int{}
	vals := map[string][]float32{}
	dtypes := map[string]string{}
	for _, name := range sd.Names {
		t := sd.Tensors[name]
		short := strings.TrimPrefix(name, "module.")
		if _, dup := file[short]; dup {
			return nil, fmt.Errorf("%s: %s is in the file twice (with and without \"module.\")", path, short)
		}
		file[short], vals[short], dtypes[short] = t.Shape, t.Data, t.Dtype
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
		pf := map[string][]int{}
		pv := map[string][]float32{}
		pd := map[string]string{}
		for name := range file {
			pf["backbone.model."+name], pv["backbone.model."+name], pd["backbone.model."+name] = file[name], vals[name], dtypes[name]
		}
		file, vals, dtypes = pf, pv, pd
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
		if !model.ShapeFits(shape, p.Shape) {
			return nil, fmt.Errorf("%s: %s has shape %v in the file but %v in this network (%s, %d classes)%s",
				path, p.Name, shape, p.Shape, g.Backbone, g.NumClasses, shapeHint(p))
		}
		for i, v := range vals[p.Name] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%s: %s: value %d is %v: these weights diverged", path, p.Name, i, v)
			}
		}
		if d := dtypes[p.Name]; d != "float32" {
			if imp.Converted == nil {
				imp.Converted = map[string]int{}
			}
			imp.Converted[d]++
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

// ConvertedNote says which weights were converted to float32, or "".
func (imp *PthImport) ConvertedNote() string {
	if len(imp.Converted) == 0 {
		return ""
	}
	var parts []string
	for d, n := range imp.Converted {
		parts = append(parts, fmt.Sprintf("%d %s", n, d))
	}
	sort.Strings(parts)
	return "converted to float32: " + strings.Join(parts, ", ") + " tensors (training runs in float32)"
}

// shapeHint explains the classic mismatch: a head made for another
// number of classes.
func shapeHint(p model.Param) string {
	if strings.HasPrefix(p.Name, "yolo_head") && len(p.Shape) > 0 {
		return ": the file's detector has another number of classes; import only its backbone (--backbone-only), or use the class list it was trained with"
	}
	return ""
}
