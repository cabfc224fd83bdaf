package detect

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
	lw := lineWidth(b.Dx(), b.Dy())
	for _, d := range dets {
		c := drawPalette[d.Class%len(drawPalette)]
		r := boxOn(d, b, origW, origH)
		boxOutline(r, lw, func(s image.Rectangle) { fill(out, s, c) })
		patch := tagPatch(tagLabel(d, classes), c)
		draw.Draw(out, patch.Bounds().Add(tagOrigin(r)), patch, image.Point{}, draw.Src)
	}
}

// The drawing both DrawOn and DrawOnYUV do.

func lineWidth(w, h int) int { return max(1, int(math.Round(float64(max(w, h))/400))) }

// boxOn is a detection's box in an image of bounds b showing an
// origW×origH picture.
func boxOn(d Detection, b image.Rectangle, origW, origH int) image.Rectangle {
	sx, sy := float64(b.Dx())/float64(origW), float64(b.Dy())/float64(origH)
	return image.Rect(int(d.Box.Xmin*sx), int(d.Box.Ymin*sy), int(d.Box.Xmax*sx), int(d.Box.Ymax*sy)).Intersect(b)
}

// boxOutline hands paint the strips of r's outline, lw pixels wide.
func boxOutline(r image.Rectangle, lw int, paint func(image.Rectangle)) {
	for k := 0; k < lw; k++ {
		rr := r.Inset(k)
		paint(image.Rect(rr.Min.X, rr.Min.Y, rr.Max.X, rr.Min.Y+1))
		paint(image.Rect(rr.Min.X, rr.Max.Y-1, rr.Max.X, rr.Max.Y))
		paint(image.Rect(rr.Min.X, rr.Min.Y, rr.Min.X+1, rr.Max.Y))
		paint(image.Rect(rr.Max.X-1, rr.Min.Y, rr.Max.X, rr.Max.Y))
	}
}

const tagHeight = 15

// tagOrigin is where a box's tag goes: above it, or at the top of the
// image when there is no room.
func tagOrigin(r image.Rectangle) image.Point { return image.Pt(r.Min.X, max(r.Min.Y-tagHeight, 0)) }

// tagLabel is a detection's label ("class 0.87").
func tagLabel(d Detection, classes []string) string {
	name := fmt.Sprint(d.Class)
	if d.Class < len(classes) {
		name = classes[d.Class]
	}
	return fmt.Sprintf("%s %.2f", name, d.Score)
}

// tagPatch renders a tag: the label in white on c.
func tagPatch(label string, c color.RGBA) *image.RGBA {
	face := basicfont.Face7x13
	patch := image.NewRGBA(image.Rect(0, 0, font.MeasureString(face, label).Ceil()+4, tagHeight))
	fill(patch, patch.Bounds(), c)
	dr := font.Drawer{Dst: patch, Src: image.NewUniform(color.White), Face: face, Dot: fixed.P(2, 12)}
	dr.DrawString(label)
	return patch
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}
