package voc

import (
	"fmt"
	"slices"
)

// RenameClass renames class from to to in classes.txt (same position, so
// class ids do not change) and in every annotation that uses it. Each file
// is saved atomically with its other content intact; files that do not
// parse are left untouched and returned in skipped.
func RenameClass(ds *Dataset, classes []string, from, to string) (newClasses, changed, skipped []string, err error) {
	i := slices.Index(classes, from)
	switch {
	case to == "":
		return nil, nil, nil, fmt.Errorf("the new class name is empty")
	case i < 0:
		return nil, nil, nil, fmt.Errorf("there is no class %q", from)
	case slices.Contains(classes, to):
		return nil, nil, nil, fmt.Errorf("class %q already exists", to)
	}
	for _, it := range ds.Items {
		if it.XML == "" {
			continue
		}
		a, err := LoadAnnotation(it.XML)
		if err != nil {
			skipped = append(skipped, it.XML)
			continue
		}
		hit := false
		for k := range a.Objects {
			if a.Objects[k].Name == from {
				a.Objects[k].Name, hit = to, true
			}
		}
		if !hit {
			continue
		}
		if err := SaveAnnotation(it.XML, a); err != nil {
			return nil, changed, skipped, err
		}
		changed = append(changed, it.XML)
	}
	newClasses = slices.Clone(classes)
	newClasses[i] = to
	return newClasses, changed, skipped, WriteClasses(ds.ClassesPath(), newClasses)
}
