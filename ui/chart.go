package ui

import (
	"fmt"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Series is one line of a Chart.
type Series struct {
	Name   string
	Color  color.Color
	X, Y   []float64
	Points bool // draw a dot per point (sparse series such as mAP)
}

// Chart draws a few series as lines over a shared x axis, with the y
// range and the last value of each in a legend. It draws with Fyne's
// canvas (no web view). Long series are thinned to at most maxSegments
// segments, so a redraw costs the same after ten or ten thousand steps.
type Chart struct {
	widget.BaseWidget
	Title  string
	Series []*Series
	LogY   bool
	Share  bool // values are shares such as mAP: the y axis is always 0 to 1
}

const maxSegments = 240

// NewChart makes an empty chart.
func NewChart(title string, series ...*Series) *Chart {
	c := &Chart{Title: title, Series: series}
	c.ExtendBaseWidget(c)
	return c
}

// Add appends a point to series i.
func (c *Chart) Add(i int, x, y float64) {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return
	}
	s := c.Series[i]
	s.X, s.Y = append(s.X, x), append(s.Y, y)
}

// Reset empties every series.
func (c *Chart) Reset() {
	for _, s := range c.Series {
		s.X, s.Y = nil, nil
	}
}

func (c *Chart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c, bg: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		title: canvas.NewText(c.Title, theme.Color(theme.ColorNameForeground)), legend: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		ymax: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)), ymin: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))}
	r.title.TextStyle.Bold = true
	for _, t := range []*canvas.Text{r.legend, r.ymax, r.ymin} {
		t.TextSize = theme.CaptionTextSize()
	}
	return r
}

type chartRenderer struct {
	c                         *Chart
	bg                        *canvas.Rectangle
	title, legend, ymax, ymin *canvas.Text
	keys                      []*canvas.Text // one per series, in its colour
	lines                     []*canvas.Line
	dots                      []*canvas.Circle
	objects                   []fyne.CanvasObject
	size                      fyne.Size
}

func (r *chartRenderer) Layout(s fyne.Size) { r.size = s; r.Refresh() }

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 100) } // four fit a 1024×640 window

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}

// plotArea is where the lines go, inside the title and the axis labels.
func (r *chartRenderer) plotArea() (x0, y0, w, h float32) {
	top := r.title.MinSize().Height + 2
	x0, y0 = 4, top
	return x0, y0, max(r.size.Width-8, 1), max(r.size.Height-top-r.legend.MinSize().Height-4, 1)
}

func (r *chartRenderer) Refresh() {
	c := r.c
	r.bg.Resize(r.size)
	r.title.Text = c.Title
	r.title.Move(fyne.NewPos(4, 0))
	x0, y0, w, h := r.plotArea()
	// ranges over all series
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for i := range s.X {
			y := r.ty(s.Y[i])
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
	}
	if xmax <= xmin {
		xmax = xmin + 1
	}
	switch {
	case c.Share:
		ymin, ymax = 0, 1
	case ymax <= ymin:
		ymax, ymin = ymin+0.5, ymin-0.5
	}
	px := func(x float64) float32 { return x0 + float32((x-xmin)/(xmax-xmin))*w }
	py := func(y float64) float32 { return y0 + h - float32((r.ty(y)-ymin)/(ymax-ymin))*h }
	nl, nd := 0, 0
	for len(r.keys) < len(c.Series) {
		k := canvas.NewText("", color.Transparent)
		k.TextSize = theme.CaptionTextSize()
		r.keys = append(r.keys, k)
	}
	keyX := float32(4)
	for i, s := range c.Series {
		n := len(s.X)
		k := r.keys[i]
		k.Text = ""
		if n == 0 {
			continue
		}
		k.Text, k.Color = fmt.Sprintf("● %s %.4g", s.Name, s.Y[n-1]), s.Color
		k.Move(fyne.NewPos(keyX, y0+h+2))
		keyX += k.MinSize().Width + 10
		step := max(1, (n+maxSegments-1)/maxSegments)
		prev := 0
		for i := step; i < n+step-1; i += step {
			j := min(i, n-1)
			l := r.line(nl)
			nl++
			l.StrokeColor = s.Color
			l.Position1 = fyne.NewPos(px(s.X[prev]), py(s.Y[prev]))
			l.Position2 = fyne.NewPos(px(s.X[j]), py(s.Y[j]))
			prev = j
		}
		if s.Points {
			for i := range s.X {
				d := r.dot(nd)
				nd++
				d.FillColor = s.Color
				d.Position1 = fyne.NewPos(px(s.X[i])-2.5, py(s.Y[i])-2.5)
				d.Position2 = fyne.NewPos(px(s.X[i])+2.5, py(s.Y[i])+2.5)
			}
		}
	}
	for _, k := range r.keys[len(c.Series):] {
		k.Text = "" // series were removed (run comparison)
	}
	for _, l := range r.lines[nl:] {
		l.StrokeColor = color.Transparent
	}
	for _, d := range r.dots[nd:] {
		d.FillColor = color.Transparent
	}
	r.legend.Text = ""
	if keyX == 4 {
		r.legend.Text = "waiting for data"
	}
	r.legend.Move(fyne.NewPos(4, y0+h+2))
	unty := func(v float64) float64 {
		if c.LogY {
			return math.Pow(10, v)
		}
		return v
	}
	r.ymax.Text, r.ymin.Text = fmt.Sprintf("%.3g", unty(ymax)), fmt.Sprintf("%.3g", unty(ymin))
	if math.IsInf(ymax, 0) {
		r.ymax.Text, r.ymin.Text = "", ""
	}
	r.ymax.Move(fyne.NewPos(r.size.Width-r.ymax.MinSize().Width-4, y0))
	r.ymin.Move(fyne.NewPos(r.size.Width-r.ymin.MinSize().Width-4, y0+h-r.ymin.MinSize().Height))
	r.objects = r.objects[:0]
	r.objects = append(r.objects, r.bg, r.title, r.legend, r.ymax, r.ymin)
	for _, k := range r.keys {
		r.objects = append(r.objects, k)
	}
	for _, l := range r.lines {
		r.objects = append(r.objects, l)
	}
	for _, d := range r.dots {
		r.objects = append(r.objects, d)
	}
	canvas.Refresh(c)
}

func (r *chartRenderer) ty(y float64) float64 {
	if r.c.LogY {
		return math.Log10(math.Max(y, 1e-12))
	}
	return y
}

func (r *chartRenderer) line(i int) *canvas.Line {
	for len(r.lines) <= i {
		l := canvas.NewLine(color.Transparent)
		l.StrokeWidth = 1.5
		r.lines = append(r.lines, l)
	}
	return r.lines[i]
}

func (r *chartRenderer) dot(i int) *canvas.Circle {
	for len(r.dots) <= i {
		r.dots = append(r.dots, canvas.NewCircle(color.Transparent))
	}
	return r.dots[i]
}
