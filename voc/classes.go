package voc

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/labelloop/labelloop/internal/atomicfile"
	"github.com/labelloop/labelloop/internal/classname"
)

// maxClassesFile bounds classes.txt: ten thousand long names fit easily.
const maxClassesFile = 16 << 20

// ReadClasses reads a class list, one name per line. Blank lines and a
// UTF-8 byte-order mark are skipped; a repeated name is an error (it would
// give one class two ids), and so is a name classname.Check refuses, with
// its line.
func ReadClasses(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxClassesFile+1))
	if err != nil {
		return nil, err
	}
	return parseClasses(path, data)
}

func parseClasses(path string, data []byte) ([]string, error) {
	if len(data) > maxClassesFile {
		return nil, fmt.Errorf("%s: more than %d MB, not a class list", path, maxClassesFile>>20)
	}
	var out []string
	seen := map[string]int{}
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		if err := classname.Check(name); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s:%d: class %q repeats line %d", path, i+1, name, prev)
		}
		seen[name] = i + 1
		out = append(out, name)
	}
	return out, nil
}

// WriteClasses writes a class list atomically; a name classname.Check
// refuses, or a repeated one, is an error and nothing is written.
func WriteClasses(path string, classes []string) error {
	seen := make(map[string]bool, len(classes))
	for i, c := range classes {
		if err := classname.Check(c); err != nil {
			return fmt.Errorf("%s: class %d: %w", path, i+1, err)
		}
		if seen[c] {
			return fmt.Errorf("%s: class %d: %q is listed twice", path, i+1, c)
		}
		seen[c] = true
	}
	return atomicfile.WriteFile(path, []byte(strings.Join(classes, "\n")+"\n"), 0o644)
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
