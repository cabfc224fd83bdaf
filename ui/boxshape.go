package ui

import (
	"image/color"

	"fyne.io/fyne/v2/canvas"
)

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
