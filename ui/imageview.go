package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/voc"
)

// ImageView shows an image fitted to its area with its boxes drawn on top.
// Boxes are in image pixels; the renderer maps them through the same fit
// transform as the picture.
type ImageView struct {
	widget.BaseWidget
	img    image.Image
	boxes  []voc.Object
	colors func(class string) imageColor
}

// NewImageView makes an empty view; colors picks each class's colour.
func NewImageView(colors func(string) imageColor) *ImageView {
	v := &ImageView{colors: colors}
	v.ExtendBaseWidget(v)
	return v
}

// Set shows an image and its boxes; nil clears the view.
func (v *ImageView) Set(img image.Image, boxes []voc.Object) {
	v.img, v.boxes = img, boxes
	v.Refresh()
}

// Fit is the transform from image pixels to widget coordinates.
type Fit struct {
	Scale  float32
	Offset fyne.Position
}

// FitTransform centres an iw×ih image in size, keeping its aspect.
func FitTransform(iw, ih int, size fyne.Size) Fit {
	if iw <= 0 || ih <= 0 || size.Width <= 0 || size.Height <= 0 {
		return Fit{Scale: 1}
	}
	s := min(size.Width/float32(iw), size.Height/float32(ih))
	return Fit{Scale: s, Offset: fyne.NewPos((size.Width-s*float32(iw))/2, (size.Height-s*float32(ih))/2)}
}

// ToScreen maps an image point to the widget.
func (f Fit) ToScreen(x, y float64) fyne.Position {
	return fyne.NewPos(f.Offset.X+float32(x)*f.Scale, f.Offset.Y+float32(y)*f.Scale)
}

func (v *ImageView) CreateRenderer() fyne.WidgetRenderer {
	r := &imageViewRenderer{v: v, bg: canvas.NewRectangle(color.NRGBA{0x20, 0x20, 0x24, 0xff}), pic: canvas.NewImageFromImage(nil)}
	r.pic.FillMode = canvas.ImageFillStretch // we size it to the fit ourselves
	r.pic.ScaleMode = canvas.ImageScaleFastest
	return r
}

type imageViewRenderer struct {
	v     *ImageView
	bg    *canvas.Rectangle
	pic   *canvas.Image
	boxes []boxShape
	objs  []fyne.CanvasObject
}

// boxShape draws one box: a dark halo under the class colour so the box
// shows on any background, and its class name on a tag above it.
type boxShape struct {
	halo, line, tag *canvas.Rectangle
	label           *canvas.Text
}

func newBoxShape() boxShape {
	b := boxShape{
		halo:  canvas.NewRectangle(color.Transparent),
		line:  canvas.NewRectangle(color.Transparent),
		tag:   canvas.NewRectangle(color.Black),
		label: canvas.NewText("", color.White),
	}
	b.halo.StrokeColor, b.halo.StrokeWidth = color.NRGBA{0, 0, 0, 160}, 4
	b.line.StrokeWidth = 2
	b.label.TextSize = 11
	return b
}

func (r *imageViewRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	if r.v.img == nil {
		r.pic.Hide()
		return
	}
	b := r.v.img.Bounds()
	fit := FitTransform(b.Dx(), b.Dy(), size)
	r.pic.Show()
	r.pic.Move(fit.Offset)
	r.pic.Resize(fyne.NewSize(float32(b.Dx())*fit.Scale, float32(b.Dy())*fit.Scale))
	for i, o := range r.v.boxes {
		p := fit.ToScreen(o.Box.Xmin, o.Box.Ymin)
		q := fit.ToScreen(o.Box.Xmax, o.Box.Ymax)
		b := r.boxes[i]
		for _, rc := range []*canvas.Rectangle{b.halo, b.line} {
			rc.Move(p)
			rc.Resize(fyne.NewSize(q.X-p.X, q.Y-p.Y))
		}
		ts := b.label.MinSize()
		tagPos := fyne.NewPos(p.X, max(0, p.Y-ts.Height))
		b.tag.Move(tagPos)
		b.tag.Resize(fyne.NewSize(ts.Width+6, ts.Height))
		b.label.Move(tagPos.AddXY(3, 0))
	}
}

func (r *imageViewRenderer) MinSize() fyne.Size { return fyne.NewSize(200, 150) }

func (r *imageViewRenderer) Refresh() {
	r.pic.Image = r.v.img
	for len(r.boxes) < len(r.v.boxes) {
		r.boxes = append(r.boxes, newBoxShape())
	}
	r.boxes = r.boxes[:len(r.v.boxes)]
	r.objs = append(r.objs[:0], r.bg, r.pic)
	for i, o := range r.v.boxes {
		b := r.boxes[i]
		c := r.v.colors(o.Name)
		b.line.StrokeColor, b.tag.FillColor = c, c
		b.label.Text = o.Name
		r.objs = append(r.objs, b.halo, b.line, b.tag, b.label)
	}
	r.Layout(r.v.Size())
	r.pic.Refresh()
	for _, b := range r.boxes {
		b.halo.Refresh()
		b.line.Refresh()
		b.tag.Refresh()
		b.label.Refresh()
	}
}

func (r *imageViewRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *imageViewRenderer) Destroy()                     {}
