package ui

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Bars is a horizontal bar chart: one labelled bar per row, its length
// proportional to the count.
type Bars struct {
	widget.BaseWidget
	Title  string
	Labels []string
	Counts []int
	Color  color.Color
}

// NewBars makes an empty bar chart.
func NewBars(title string, c color.Color) *Bars {
	b := &Bars{Title: title, Color: c}
	b.ExtendBaseWidget(b)
	return b
}

// Set replaces the rows.
func (b *Bars) Set(labels []string, counts []int) {
	b.Labels, b.Counts = labels, counts
	b.Refresh()
}

const barRow = 22

func (b *Bars) CreateRenderer() fyne.WidgetRenderer { return &barsRenderer{b: b} }

type barsRenderer struct {
	b       *Bars
	objects []fyne.CanvasObject
	size    fyne.Size
}

func (r *barsRenderer) Layout(s fyne.Size) { r.size = s; r.Refresh() }

func (r *barsRenderer) MinSize() fyne.Size {
	return fyne.NewSize(240, float32(barRow*(len(r.b.Labels)+1)+8))
}

func (r *barsRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *barsRenderer) Destroy() {}

func (r *barsRenderer) Refresh() {
	b := r.b
	fg := theme.Color(theme.ColorNameForeground)
	title := canvas.NewText(b.Title, fg)
	title.TextStyle.Bold = true
	objs := []fyne.CanvasObject{title}
	labelW := float32(0)
	for _, l := range b.Labels {
		labelW = max(labelW, fyne.MeasureText(l, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	most := 1
	for _, c := range b.Counts {
		most = max(most, c)
	}
	barMax := max(r.size.Width-labelW-70, 10)
	for i, l := range b.Labels {
		y := float32(barRow * (i + 1))
		t := canvas.NewText(l, fg)
		t.Move(fyne.NewPos(0, y))
		rect := canvas.NewRectangle(b.Color)
		rect.Move(fyne.NewPos(labelW+8, y+3))
		rect.Resize(fyne.NewSize(max(1, barMax*float32(b.Counts[i])/float32(most)), barRow-6))
		n := canvas.NewText(fmt.Sprint(b.Counts[i]), theme.Color(theme.ColorNamePlaceHolder))
		n.Move(fyne.NewPos(labelW+14+rect.Size().Width, y))
		objs = append(objs, t, rect, n)
	}
	r.objects = objs
	canvas.Refresh(b)
}
