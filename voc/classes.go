package voc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// MaxClassName is the longest class name accepted, in bytes.
const MaxClassName = 256

// maxClassesFile bounds classes.txt: ten thousand long names fit easily.
const maxClassesFile = 16 << 20

// CheckClassName reports a name that cannot be a class: one that is empty,
// too long, not UTF-8, padded with spaces, or holds a control character,
// a line break (a newline in classes.txt would split one class in two
// and shift every later id) or an invisible format character.
func CheckClassName(name string) error {
	switch {
	case name == "":
		return errors.New("empty class name")
	case len(name) > MaxClassName:
		return fmt.Errorf("class name of %d bytes (at most %d)", len(name), MaxClassName)
	case !utf8.ValidString(name):
		return fmt.Errorf("class name %q is not valid UTF-8", name)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("class name %q starts or ends with spaces", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("class name %q holds a control character or line break (%U)", name, r)
		}
		// invisible format characters (a byte-order mark, bidi overrides,
		// zero-width spaces) make names that look alike; the zero-width
		// (non-)joiners that some scripts and emoji need stay
		if unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d' {
			return fmt.Errorf("class name %q holds an invisible format character (%U)", name, r)
		}
	}
	return nil
}

// ReadClasses reads a class list, one name per line. Blank lines and a
// UTF-8 byte-order mark are skipped; a repeated name is an error (it would
// give one class two ids), and so is a name CheckClassName refuses, with
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
		if err := CheckClassName(name); err != nil {
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

// WriteClasses writes a class list atomically; a name CheckClassName
// refuses, or a repeated one, is an error and nothing is written.
func WriteClasses(path string, classes []string) error {
	seen := make(map[string]bool, len(classes))
	for i, c := range classes {
		if err := CheckClassName(c); err != nil {
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
