package model

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// The state dict matches the reference's, name for name, shape for shape,
// in order, for all three backbones.
func TestStateDictMatchesReference(t *testing.T) {
	for _, bb := range Backbones {
		t.Run(bb, func(t *testing.T) {
			data, err := os.ReadFile("testdata/keys_" + bb + ".tsv")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			g, err := Build(Config{Backbone: bb, NumClasses: 20, InputSize: 416})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Params) != len(lines) {
				t.Errorf("%d params, reference has %d", len(g.Params), len(lines))
			}
			for i := 0; i < min(len(lines), len(g.Params)); i++ {
				f := strings.Split(lines[i], "\t")
				got := g.Params[i]
				if got.Name != f[0] || shapeString(got.Shape) != f[1] {
					t.Fatalf("entry %d: got %s %s, reference %s %s", i, got.Name, shapeString(got.Shape), f[0], f[1])
				}
			}
		})
	}
}

func TestOutputsAndShapes(t *testing.T) {
	for _, bb := range Backbones {
		for _, size := range []int{416, 160, 608} {
			g, err := Build(Config{Backbone: bb, NumClasses: 3, InputSize: size})
			if err != nil {
				t.Fatal(err)
			}
			for k, o := range g.Outputs {
				want := Shape{24, size / Strides[k], size / Strides[k]}
				if got := g.Nodes[o].Out; got != want {
					t.Errorf("%s %d out%d: %+v, want %+v", bb, size, k, got, want)
				}
			}
		}
	}
	for _, bad := range []Config{{"resnet", 3, 416}, {MobileNetV2, 0, 416}, {MobileNetV2, 3, 400}} {
		if _, err := Build(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestMakeDivisible(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want int
	}{{16, 16}, {64, 64}, {72, 72}, {18, 24}, {240 * 2.5, 600}, {80 * 2.3, 184}, {30, 32}, {3, 8}} {
		if got := MakeDivisible(c.v, 8); got != c.want {
			t.Errorf("MakeDivisible(%g) = %d, want %d", c.v, got, c.want)
		}
	}
}
