package ui

import "fyne.io/fyne/v2"

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
