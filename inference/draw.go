package inference

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var drawPalette = []color.RGBA{
	{230, 25, 75, 255}, {60, 180, 75, 255}, {0, 130, 200, 255}, {245, 130, 48, 255},
	{145, 30, 180, 255}, {70, 240, 240, 255}, {240, 50, 230, 255}, {210, 245, 60, 255},
}

// Annotate returns a copy of img with the detections drawn (see DrawOn).
func Annotate(img image.Image, origW, origH int, dets []Detection, classes []string) *image.RGBA {
	src := ToRGBA(img)
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), src, b.Min, draw.Src)
	DrawOn(out, origW, origH, dets, classes)
	return out
}

// DrawOn draws the detections onto img: a box in the class's colour and a
// tag with its name and score. Line width follows the image size so boxes
// read at any resolution.
func DrawOn(out *image.RGBA, origW, origH int, dets []Detection, classes []string) {
	b := out.Bounds()
	sx, sy := float64(b.Dx())/float64(origW), float64(b.Dy())/float64(origH)
	lw := max(1, int(math.Round(float64(max(b.Dx(), b.Dy()))/400)))
	face := basicfont.Face7x13
	for _, d := range dets {
		c := drawPalette[d.Class%len(drawPalette)]
		r := image.Rect(int(d.Box.Xmin*sx), int(d.Box.Ymin*sy), int(d.Box.Xmax*sx), int(d.Box.Ymax*sy)).Intersect(out.Bounds())
		for k := 0; k < lw; k++ {
			rr := r.Inset(k)
			fill(out, image.Rect(rr.Min.X, rr.Min.Y, rr.Max.X, rr.Min.Y+1), c)
			fill(out, image.Rect(rr.Min.X, rr.Max.Y-1, rr.Max.X, rr.Max.Y), c)
			fill(out, image.Rect(rr.Min.X, rr.Min.Y, rr.Min.X+1, rr.Max.Y), c)
			fill(out, image.Rect(rr.Max.X-1, rr.Min.Y, rr.Max.X, rr.Max.Y), c)
		}
		label, tw := tag(d, classes, face)
		ty := max(r.Min.Y-15, 0)
		fill(out, image.Rect(r.Min.X, ty, r.Min.X+tw, ty+15), c)
		dr := font.Drawer{Dst: out, Src: image.NewUniform(color.White), Face: face, Dot: fixed.P(r.Min.X+2, ty+12)}
		dr.DrawString(label)
	}
}

// tag is a detection's label ("class 0.87") and its width on a tag.
func tag(d Detection, classes []string, face font.Face) (string, int) {
	name := fmt.Sprint(d.Class)
	if d.Class < len(classes) {
		name = classes[d.Class]
	}
	label := fmt.Sprintf("%s %.2f", name, d.Score)
	return label, font.MeasureString(face, label).Ceil() + 4
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}
