package classname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		want string // "" when the name is a class
	}{
		{"cat", ""},
		{"traffic light", ""},
		{"👨\u200d👩", ""}, // a zero-width joiner inside an emoji stays
		{strings.Repeat("x", MaxLen), ""},
		{"", "empty"},
		{strings.Repeat("x", MaxLen+1), "257 bytes"},
		{"ca\xfft", "not valid UTF-8"},
		{" cat", "spaces"},
		{"cat\n", "spaces"},
		{"ca\nt", "line break"},
		{"ca\u2028t", "line break"},
		{"\ufeffcat", "invisible"},
		{"ca\u202et", "invisible"},
	} {
		err := Check(c.name)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Check(%q) = %v, want an error with %q", c.name, err, c.want)
		}
	}
}
