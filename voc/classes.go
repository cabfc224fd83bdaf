package voc

import (
	"fmt"
	"os"
	"strings"
)

// ReadClasses reads a class list, one name per line. Blank lines are
// skipped; a repeated name is an error (it would give one class two ids).
func ReadClasses(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s:%d: class %q repeats line %d", path, i+1, name, prev)
		}
		seen[name] = i + 1
		out = append(out, name)
	}
	return out, nil
}

// WriteClasses writes a class list atomically.
func WriteClasses(path string, classes []string) error {
	return WriteFileAtomic(path, []byte(strings.Join(classes, "\n")+"\n"), 0o644)
}

// MergeClasses keeps the user's order and appends names not yet listed, in
// the order given. It never drops or reorders: class ids are what trained
// models remember.
func MergeClasses(existing, found []string) []string {
	out := append([]string(nil), existing...)
	have := make(map[string]bool, len(existing))
	for _, c := range existing {
		have[c] = true
	}
	for _, c := range found {
		if !have[c] {
			have[c] = true
			out = append(out, c)
		}
	}
	return out
}
