package model

import "testing"

// A hostile size (input_size 2^40 in a sidecar made 3·size² wrap to 0 and
// the loop index out of range) gives nil, not a panic.
func TestFixtureInputSizes(t *testing.T) {
	for _, s := range []int{1 << 40, 1 << 31, MaxInputSize + 32, 0, -32} {
		if x := FixtureInput(s); x != nil {
			t.Fatalf("size %d: %d values", s, len(x))
		}
	}
	if x := FixtureInput(64); len(x) != 3*64*64 || x[0] != 0.5 {
		t.Fatalf("size 64: %d values, first %v", len(x), x[:1])
	}
}
