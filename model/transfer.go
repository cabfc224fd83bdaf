package model

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Source is one tensor of weights to start from (a .pth or a checkpoint).
type Source struct {
	Shape []int
	Data  []float32
}

// Transfer is what TransferWeights took from a set of source tensors.
type Transfer struct {
	Weights map[string][]float32 // every tensor of the network
	Taken   int                  // network tensors taken from the source
	Total   int                  // tensors of the network (as its state dict has them)
	// Left are the network's tensors the source had no fitting tensor for
	// (absent, or of another shape: a head for another class count); they
	// keep the fresh initialisation.
	Left []string
	// Reshaped are those of Left the source has under the same name with
	// another shape.
	Reshaped []string
	Unused   []string // source tensors the network has no place for
	Prefixed bool     // the source's names got "backbone.model." (a bare ImageNet backbone)
}

// TransferWeights starts g from src the way Ultralytics' intersect_dicts
// does: every tensor whose name and shape fit is taken, the rest keep the
// reference's initialisation (seed). A "module." prefix (DataParallel) is
// dropped; a source with none of the network's names but a bare
// backbone's ("features.0.0.weight") gets "backbone.model.". A source
// that fits nothing is an error, and so is a taken value that is not
// finite.
func TransferWeights(g *Graph, seed uint64, src map[string]Source) (*Transfer, error) {
	want := make(map[string]Param, len(g.Params))
	for _, p := range g.Params {
		want[p.Name] = p
	}
	names := map[string]Source{}
	for name, s := range src {
		names[strings.TrimPrefix(name, "module.")] = s
	}
	t := &Transfer{Weights: InitWeights(g, seed), Total: len(g.Params)}
	hits := 0
	for name := range names {
		if _, ok := want[name]; ok {
			hits++
		}
	}
	if hits == 0 {
		pre := map[string]Source{}
		for name, s := range names {
			pre["backbone.model."+name] = s
			if _, ok := want["backbone.model."+name]; ok {
				t.Prefixed = true
			}
		}
		if !t.Prefixed {
			return nil, fmt.Errorf("none of its %d tensors belongs to a %s detector (is it for another network?)", len(src), g.Backbone)
		}
		names = pre
	}
	for _, p := range g.Params {
		s, ok := names[p.Name]
		if ok && !ShapeFits(s.Shape, p.Shape) {
			t.Reshaped = append(t.Reshaped, p.Name)
			ok = false
		}
		if !ok {
			t.Left = append(t.Left, p.Name)
			continue
		}
		t.Taken++
		if p.Kind == BNCount {
			continue
		}
		for i, v := range s.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%s: value %d is %v: these weights diverged", p.Name, i, v)
			}
		}
		t.Weights[p.Name] = s.Data
	}
	for name := range names {
		if _, ok := want[name]; !ok {
			t.Unused = append(t.Unused, name)
		}
	}
	sort.Strings(t.Unused)
	return t, nil
}

// ShapeFits says whether a source shape fits a network shape: equal, or
// a scalar stored as [] for [1].
func ShapeFits(src, net []int) bool {
	if len(src) == 0 && len(net) == 1 && net[0] == 1 {
		return true
	}
	if len(src) != len(net) {
		return false
	}
	for i := range src {
		if src[i] != net[i] {
			return false
		}
	}
	return true
}

// BackboneTaken says whether any backbone tensor came from the source (a
// frozen backbone that did not is random features).
func (t *Transfer) BackboneTaken() bool {
	left := make(map[string]bool, len(t.Left))
	for _, n := range t.Left {
		left[n] = true
	}
	for n := range t.Weights {
		if strings.HasPrefix(n, "backbone.") && !left[n] {
			return true
		}
	}
	return false
}

// Summary says what was taken, as Ultralytics does ("transferred 337 of
// 345 tensors"), with the tensors left out by name (the first few when
// they are many).
func (t *Transfer) Summary(from string) string {
	s := fmt.Sprintf("transferred %d of %d tensors from %s", t.Taken, t.Total, from)
	if len(t.Left) == 0 {
		return s
	}
	why := "not in the file"
	if len(t.Reshaped) == len(t.Left) {
		why = "another shape in the file (a head for another class count)"
	}
	left := t.Left
	more := ""
	if len(left) > 8 {
		left, more = left[:8], fmt.Sprintf(" and %d more", len(t.Left)-8)
	}
	return fmt.Sprintf("%s; left out, %s, starting fresh: %s%s", s, why, strings.Join(left, ", "), more)
}
