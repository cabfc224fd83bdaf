// Command floorapp is the latency bench's baseline: a bare Fyne window of
// the app's size whose only content is a picture, swapped for the next one
// of a set on D and the previous on A. Key press to new picture in this
// window is the floor that Fyne, the GL driver and the X server set; the
// bench times LabelLoop against it in the same run.
package main

import (
	"image"
	"image/color"
	"os"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"

	"github.com/labelloop/labelloop/guitest/floorapp/colour"
)

func main() {
	n, _ := strconv.Atoi(os.Getenv("FLOOR_PICTURES"))
	if n < 2 {
		n = 26
	}
	a := app.NewWithID("io.labelloop.floor")
	w := a.NewWindow("LabelLoop floor")
	pics := make([]image.Image, n)
	for i := range pics {
		pics[i] = solid(colour.Of(i), 1000, 700)
	}
	img := canvas.NewImageFromImage(pics[0])
	img.FillMode = canvas.ImageFillStretch
	img.ScaleMode = canvas.ImageScaleFastest
	cur := 0
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyD:
			cur = min(cur+1, n-1)
		case fyne.KeyA:
			cur = max(cur-1, 0)
		default:
			return
		}
		img.Image = pics[cur]
		img.Refresh()
	})
	w.SetContent(img)
	w.Resize(fyne.NewSize(1280, 800))
	w.ShowAndRun()
}

func solid(c color.RGBA, w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}
