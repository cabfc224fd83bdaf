//go:build ignore

// gen_icon draws assets/icon.png: a labelled box on a photo-like tile with
// a loop arrow, LabelLoop's mark. Run: go run assets/gen_icon.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

func main() {
	const n = 512
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	set := func(x, y int, c color.NRGBA) {
		if x >= 0 && y >= 0 && x < n && y < n {
			img.SetNRGBA(x, y, c)
		}
	}
	r := 96.0 // corner radius of the tile
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx := math.Max(0, math.Max(r-float64(x), float64(x)-(n-1-r)))
			dy := math.Max(0, math.Max(r-float64(y), float64(y)-(n-1-r)))
			if dx*dx+dy*dy > r*r {
				continue
			}
			t := float64(y) / n // teal to deep blue
			set(x, y, color.NRGBA{uint8(20 + 10*t), uint8(140 - 90*t), uint8(160 + 40*t), 255})
		}
	}
	orange := color.NRGBA{255, 160, 40, 255}
	white := color.NRGBA{255, 255, 255, 255}
	// the bounding box
	x0, y0, x1, y1, w := 120, 150, 392, 392, 22
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			if x < x0+w || x > x1-w || y < y0+w || y > y1-w {
				set(x, y, orange)
			}
		}
	}
	// its label tag
	for y := y0 - 56; y < y0; y++ {
		for x := x0; x < x0+150; x++ {
			set(x, y, orange)
		}
	}
	// the loop: an arc with an arrow head, inside the box
	cx, cy, rad := 256.0, 271.0, 70.0
	for a := 0.0; a < 1.6*math.Pi; a += 0.002 {
		for t := -11.0; t <= 11; t++ {
			set(int(cx+(rad+t)*math.Cos(a)), int(cy+(rad+t)*math.Sin(a)), white)
		}
	}
	ax, ay := cx+rad*math.Cos(1.6*math.Pi), cy+rad*math.Sin(1.6*math.Pi)
	for i := 0; i < 40; i++ {
		for j := -i; j <= i; j++ {
			set(int(ax)+j+8, int(ay)+i-28, white)
		}
	}
	f, err := os.Create("assets/icon.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	png.Encode(f, img)
}
