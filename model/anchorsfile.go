package model

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ReadAnchors reads an anchors file in the seed's format
// (yolo_anchors.txt: "12,16, 19,36, ..." nine w,h pairs in input pixels).
// The seed uses them as they are at every input size.
func ReadAnchors(path string) ([9][2]float64, error) {
	var a [9][2]float64
	data, err := os.ReadFile(path)
	if err != nil {
		return a, err
	}
	var v []float64
	for _, f := range strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return a, fmt.Errorf("%s: %q is not a number", path, f)
		}
		v = append(v, x)
	}
	if len(v) != 18 {
		return a, fmt.Errorf("%s: %d numbers, want 18 (nine w,h pairs)", path, len(v))
	}
	for i := 0; i < 9; i++ {
		a[i] = [2]float64{v[2*i], v[2*i+1]}
	}
	if err := CheckAnchors(a); err != nil {
		return a, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
