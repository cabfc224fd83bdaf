// Package classname says which strings can name a class. The dataset
// (voc), the model's sidecar and the ONNX metadata all check the same way,
// without one depending on another for it.
package classname

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest class name accepted, in bytes.
const MaxLen = 256

// Check reports a name that cannot be a class: one that is empty,
// too long, not UTF-8, padded with spaces, or holds a control character,
// a line break (a newline in classes.txt would split one class in two
// and shift every later id) or an invisible format character.
func Check(name string) error {
	switch {
	case name == "":
		return errors.New("empty class name")
	case len(name) > MaxLen:
		return fmt.Errorf("class name of %d bytes (at most %d)", len(name), MaxLen)
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
