package training

import (
	"fmt"
	"strings"

	"github.com/labelloop/labelloop/voc"
)

// Sample is one training image and its boxes (class indices).
type Sample struct {
	Image   string
	Boxes   []voc.Box
	Classes []int
}

// LoadSplit reads the images of an ImageSets/Main list (train, val) with
// their boxes, checking what would otherwise fail mid-run: an empty set, a
// class missing from the class list, fewer images than a batch, a batch
// under 2 (BatchNorm needs two). Difficult boxes are left out, as the
// reference does.
func LoadSplit(ds *voc.Dataset, ids []string, classes []string, batch int) ([]Sample, error) {
	if batch < 2 {
		return nil, fmt.Errorf("batch size %d: BatchNorm needs at least 2 images per batch", batch)
	}
	if len(classes) == 0 {
		return nil, fmt.Errorf("%s: no classes (write classes.txt or run 'labelloop split')", ds.Root)
	}
	idx := map[string]int{}
	for i, c := range classes {
		idx[c] = i
	}
	byID := map[string]voc.Item{}
	for _, it := range ds.Items {
		byID[it.ID] = it
	}
	var out []Sample
	var problems []string
	for _, id := range ids {
		it, ok := byID[id]
		if !ok || it.Image == "" || it.XML == "" {
			problems = append(problems, fmt.Sprintf("%s: listed but has no image and annotation pair", id))
			continue
		}
		a, err := voc.LoadAnnotation(it.XML)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		s := Sample{Image: it.Image}
		for _, o := range a.Objects {
			if o.Difficult {
				continue
			}
			c, ok := idx[o.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: class %q is not in the class list", it.XML, o.Name))
				continue
			}
			s.Boxes, s.Classes = append(s.Boxes, o.Box), append(s.Classes, c)
		}
		out = append(out, s)
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 5 {
			more = fmt.Sprintf("\n... and %d more", len(problems)-5)
			problems = problems[:5]
		}
		return nil, fmt.Errorf("the dataset is not ready for training (run 'labelloop check'):\n%s%s", strings.Join(problems, "\n"), more)
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("%s: no training images (run 'labelloop split' first)", ds.Root)
	case len(out) < batch:
		return nil, fmt.Errorf("%d training images but a batch of %d: lower the batch size or label more images", len(out), batch)
	}
	return out, nil
}
