package ui

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/voc"
)

// Editor is the box-editing canvas: the picture under one view transform
// (fit, or a zoom and pan), the boxes, the selected box's handles, and the
// rubber band and crosshair while drawing. Every edit goes through the
// annotate.Doc, so it can be undone.
type Editor struct {
	widget.BaseWidget

	doc          *annotate.Doc
	pic          *imgload.Picture
	Colors       func(class string) color.Color
	ClassVisible func(class string) bool // class filter; nil shows all

	HideBoxes bool // Ctrl+H hides, Ctrl+A shows
	Drawing   bool // draw mode (W)
	PanKey    bool // Space is held: a drag pans

	// OnDrawn is called after a new box is drawn, to pick its class at
	// pos; the drawing is an edit begun (annotate.Doc.Begin) that the
	// class choice ends with End, or Abort when there is none.
	OnDrawn func(i int, pos fyne.Position)
	// OnEditClass is called on a double-click on a box.
	OnEditClass func(i int, pos fyne.Position)
	// OnChanged is called after every edit and selection change.
	OnChanged func()
	// OnPan is called when a drag pans the view.
	OnPan func()
	// OnDetail is called, once per picture, when the view is zoomed in
	// past the pixels of the screen-size picture; SetDetail gives the
	// sharper one.
	OnDetail func(pic *imgload.Picture)

	detail      *imgload.Picture
	detailAsked bool

	fit    bool
	scale  float32 // screen units per image pixel when not fitting
	offset fyne.Position

	cursor fyne.Position
	hover  bool
	button desktop.MouseButton
	drag   dragState
}

type dragKind int

const (
	dragNone dragKind = iota
	dragPan
	dragDraw
	dragMove
	dragResize
)

type dragState struct {
	kind     dragKind
	idx      int
	handle   annotate.Handle
	startX   float64 // image point where the drag began
	startY   float64
	curX     float64
	curY     float64
	pressPos fyne.Position
}

// NewEditor makes an empty editor.
func NewEditor() *Editor {
	e := &Editor{fit: true, scale: 1}
	e.Colors = func(string) color.Color { return classPalette[0] }
	e.ExtendBaseWidget(e)
	return e
}

// Set shows a picture and its document, fitted.
func (e *Editor) Set(pic *imgload.Picture, doc *annotate.Doc) {
	e.pic, e.doc = pic, doc
	e.detail, e.detailAsked = nil, false
	e.fit, e.drag = true, dragState{}
	e.Refresh()
}

// SetDetail gives the picture decoded with more pixels, shown while the
// view is zoomed in; it is ignored unless it is of the picture shown.
func (e *Editor) SetDetail(pic *imgload.Picture) {
	if e.pic == nil || pic == nil || pic.Path != e.pic.Path {
		return
	}
	e.detail = pic
	e.Refresh()
}

// Doc is the document being edited (nil before an image is shown).
func (e *Editor) Doc() *annotate.Doc { return e.doc }

// View is the current image→screen transform.
func (e *Editor) View() Fit {
	if e.pic == nil {
		return Fit{Scale: 1}
	}
	if e.fit {
		return FitTransform(e.pic.W, e.pic.H, e.Size())
	}
	return Fit{Scale: e.scale, Offset: e.offset}
}

// ToImage maps a widget position to image pixels.
func (e *Editor) ToImage(p fyne.Position) (float64, float64) {
	v := e.View()
	return float64((p.X - v.Offset.X) / v.Scale), float64((p.Y - v.Offset.Y) / v.Scale)
}

// ZoomAt multiplies the zoom by f keeping the image point under p still.
func (e *Editor) ZoomAt(f float32, p fyne.Position) {
	v := e.View()
	s := min(max(v.Scale*f, 0.02), 64)
	e.offset = fyne.NewPos(p.X-(p.X-v.Offset.X)*s/v.Scale, p.Y-(p.Y-v.Offset.Y)*s/v.Scale)
	e.scale, e.fit = s, false
	e.Refresh()
}

// ZoomActual shows one image pixel per screen pixel, centred on the view.
func (e *Editor) ZoomActual() {
	if e.pic == nil {
		return
	}
	px := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil && c.Scale() > 0 {
		px = 1 / c.Scale()
	}
	e.ZoomAt(px/e.View().Scale, fyne.NewPos(e.Size().Width/2, e.Size().Height/2))
}

// ZoomFit fits the image to the view.
func (e *Editor) ZoomFit() {
	e.fit = true
	e.Refresh()
}

func (e *Editor) visible(i int) bool {
	if e.HideBoxes {
		return false
	}
	return e.ClassVisible == nil || e.ClassVisible(e.doc.Objects()[i].Name)
}

func (e *Editor) changed() {
	e.Refresh()
	if e.OnChanged != nil {
		e.OnChanged()
	}
}

// handleTol is how near (in screen units) a handle catches the pointer.
const handleTol = 6

// Scrolled zooms around the pointer (one wheel notch: 15%).
func (e *Editor) Scrolled(ev *fyne.ScrollEvent) {
	if e.pic == nil || ev.Scrolled.DY == 0 {
		return
	}
	e.ZoomAt(float32(math.Pow(1.15, float64(ev.Scrolled.DY)/10)), ev.Position)
}

// MouseDown decides what a drag will do.
func (e *Editor) MouseDown(ev *desktop.MouseEvent) {
	e.button = ev.Button
	e.drag = dragState{pressPos: ev.Position}
	if e.doc == nil {
		return
	}
	x, y := e.ToImage(ev.Position)
	e.drag.startX, e.drag.startY, e.drag.curX, e.drag.curY = x, y, x, y
	switch {
	case ev.Button == desktop.MouseButtonTertiary || e.PanKey:
		e.drag.kind = dragPan
	case ev.Button != desktop.MouseButtonPrimary:
	case e.Drawing:
		e.drag.kind = dragDraw
	default:
		i, h := e.doc.HitTest(x, y, float64(handleTol/e.View().Scale), e.visible)
		e.doc.Select(i)
		switch h {
		case annotate.HandleInside:
			e.drag.kind, e.drag.idx = dragMove, i
		case annotate.HandleNone:
		default:
			e.drag.kind, e.drag.idx, e.drag.handle = dragResize, i, h
		}
		e.changed()
	}
}

// MouseUp ends whatever the press began, drag or not.
func (e *Editor) MouseUp(*desktop.MouseEvent) {
	if e.drag.kind == dragMove || e.drag.kind == dragResize {
		e.doc.End()
		e.changed()
		e.drag.kind = dragNone
	}
}

// Dragged moves, resizes, draws or pans.
func (e *Editor) Dragged(ev *fyne.DragEvent) {
	if e.doc == nil {
		return
	}
	e.cursor = ev.Position
	x, y := e.ToImage(ev.Position)
	e.drag.curX, e.drag.curY = x, y
	switch e.drag.kind {
	case dragPan:
		v := e.View()
		e.scale, e.fit = v.Scale, false
		e.offset = v.Offset.Add(ev.Dragged)
		e.Refresh()
		if e.OnPan != nil {
			e.OnPan()
		}
	case dragDraw:
		e.Refresh()
	case dragMove:
		e.doc.Begin()
		e.doc.MoveBy(e.drag.idx, x-e.drag.startX, y-e.drag.startY)
		e.Refresh()
	case dragResize:
		e.doc.Begin()
		e.doc.DragHandle(e.drag.idx, e.drag.handle, x, y)
		e.Refresh()
	}
}

// DragEnd finishes a drawn box (boxes under 2 px are taken as slips).
func (e *Editor) DragEnd() {
	d := e.drag
	e.drag.kind = dragNone
	switch d.kind {
	case dragDraw:
		b := e.doc.Clamp(voc.Box{Xmin: d.startX, Ymin: d.startY, Xmax: d.curX, Ymax: d.curY})
		if math.Abs(d.curX-d.startX) < 2 || math.Abs(d.curY-d.startY) < 2 {
			e.Refresh()
			return
		}
		// drawing and naming the box are one undo step: OnDrawn's class
		// choice ends it (End), or a cancelled choice takes it back (Abort)
		e.doc.Begin()
		i := e.doc.Add(voc.Object{Box: b})
		e.Drawing = false
		e.changed()
		if e.OnDrawn != nil {
			e.OnDrawn(i, e.cursor)
		}
	case dragMove, dragResize:
		e.doc.End()
		e.changed()
	}
}

// DoubleTapped edits the class of the box under the pointer.
func (e *Editor) DoubleTapped(ev *fyne.PointEvent) {
	if e.doc == nil {
		return
	}
	x, y := e.ToImage(ev.Position)
	if i, _ := e.doc.HitTest(x, y, float64(handleTol/e.View().Scale), e.visible); i >= 0 && e.OnEditClass != nil {
		e.doc.Select(i)
		e.OnEditClass(i, ev.Position)
	}
}

func (e *Editor) MouseIn(ev *desktop.MouseEvent) {
	e.hover, e.cursor = true, ev.Position
	e.refreshGuides()
}
func (e *Editor) MouseMoved(ev *desktop.MouseEvent) {
	e.cursor = ev.Position
	e.refreshGuides()
}
func (e *Editor) MouseOut() { e.hover = false; e.refreshGuides() }

// refreshGuides redraws only when the crosshair is showing.
func (e *Editor) refreshGuides() {
	if e.Drawing || e.drag.kind == dragDraw {
		e.Refresh()
	}
}

// Cursor is a crosshair while drawing.
func (e *Editor) Cursor() desktop.Cursor {
	if e.Drawing {
		return desktop.CrosshairCursor
	}
	return desktop.DefaultCursor
}

func (e *Editor) CreateRenderer() fyne.WidgetRenderer {
	r := &editorRenderer{e: e, bg: canvas.NewRectangle(color.NRGBA{0x20, 0x20, 0x24, 0xff}), pic: canvas.NewImageFromImage(nil)}
	r.pic.FillMode = canvas.ImageFillStretch
	r.pic.ScaleMode = canvas.ImageScaleFastest
	r.band = canvas.NewRectangle(color.NRGBA{255, 255, 255, 30})
	r.band.StrokeColor, r.band.StrokeWidth = color.White, 1
	r.hline = canvas.NewLine(color.NRGBA{255, 255, 255, 180})
	r.vline = canvas.NewLine(color.NRGBA{255, 255, 255, 180})
	for range annotate.Handles {
		h := canvas.NewRectangle(color.White)
		h.StrokeColor, h.StrokeWidth = color.Black, 1
		r.handles = append(r.handles, h)
	}
	return r
}

type editorRenderer struct {
	e            *Editor
	bg           *canvas.Rectangle
	pic          *canvas.Image
	boxes        []boxShape
	handles      []*canvas.Rectangle
	band         *canvas.Rectangle
	hline, vline *canvas.Line
	objs         []fyne.CanvasObject
}

func (r *editorRenderer) MinSize() fyne.Size { return fyne.NewSize(200, 150) }
func (r *editorRenderer) Destroy()           {}
func (r *editorRenderer) Objects() []fyne.CanvasObject {
	return r.objs
}

// Refresh rebuilds the object list for the current boxes and lays it out.
func (r *editorRenderer) Refresh() {
	e := r.e
	r.objs = append(r.objs[:0], r.bg)
	if e.pic != nil {
		if img := r.image(); r.pic.Image != img {
			// A new picture must drop the old texture: the GL painter
			// keeps one per canvas object, and without this refresh a
			// same-size picture kept showing the previous one.
			r.pic.Image = img
			r.pic.Refresh()
		}
		r.objs = append(r.objs, r.pic)
	}
	var objs []voc.Object
	if e.doc != nil {
		objs = e.doc.Objects()
	}
	for len(r.boxes) < len(objs) {
		r.boxes = append(r.boxes, newBoxShape())
	}
	for i, o := range objs {
		if !e.visible(i) {
			continue
		}
		b := r.boxes[i]
		c := e.Colors(o.Name)
		if b.line.StrokeColor != c || b.label.Text != o.Name {
			b.line.StrokeColor, b.tag.FillColor, b.label.Text = c, c, o.Name
			b.line.Refresh()
			b.tag.Refresh()
			b.label.Refresh()
		}
		r.objs = append(r.objs, b.halo, b.line, b.tag, b.label)
	}
	if s := e.doc; s != nil && s.Selected() >= 0 && e.visible(s.Selected()) {
		for _, h := range r.handles {
			r.objs = append(r.objs, h)
		}
	}
	if e.drag.kind == dragDraw {
		r.objs = append(r.objs, r.band)
	}
	if e.hover && (e.Drawing || e.drag.kind == dragDraw) {
		r.objs = append(r.objs, r.hline, r.vline)
	}
	r.Layout(e.Size())
	canvas.Refresh(e)
}

// image is what to draw: the smallest of the screen-size copy, the
// picture as loaded and the detail picture that holds enough pixels for
// the view; zoomed in past them all, the detail picture is asked for.
func (r *editorRenderer) image() image.Image {
	e := r.e
	px := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil && c.Scale() > 0 {
		px = c.Scale()
	}
	shown := float32(e.pic.W) * e.View().Scale * px
	enough := func(img image.Image) bool { return shown <= float32(img.Bounds().Dx())*1.05 }
	p := e.pic
	switch {
	case p.Screen != nil && enough(p.Screen):
		return p.Screen
	case enough(p.Img) || p.Img.Bounds().Dx() >= p.W:
		return p.Img
	case e.detail != nil:
		return e.detail.Img
	}
	if !e.detailAsked && e.OnDetail != nil {
		e.detailAsked = true
		e.OnDetail(p)
	}
	return p.Img
}

func (r *editorRenderer) Layout(size fyne.Size) {
	e := r.e
	r.bg.Resize(size)
	if e.pic == nil {
		return
	}
	v := e.View()
	r.pic.Move(v.Offset)
	r.pic.Resize(fyne.NewSize(float32(e.pic.W)*v.Scale, float32(e.pic.H)*v.Scale))
	if e.doc == nil {
		return
	}
	for i, o := range e.doc.Objects() {
		if i >= len(r.boxes) {
			break
		}
		p := v.ToScreen(o.Box.Xmin, o.Box.Ymin)
		q := v.ToScreen(o.Box.Xmax, o.Box.Ymax)
		b := r.boxes[i]
		sz := fyne.NewSize(q.X-p.X, q.Y-p.Y)
		b.halo.Move(p)
		b.halo.Resize(sz)
		b.line.Move(p)
		b.line.Resize(sz)
		ts := b.label.MinSize()
		tagPos := fyne.NewPos(p.X, max(0, p.Y-ts.Height))
		b.tag.Move(tagPos)
		b.tag.Resize(fyne.NewSize(ts.Width+6, ts.Height))
		b.label.Move(tagPos.AddXY(3, 0))
	}
	if s := e.doc.Selected(); s >= 0 && s < len(e.doc.Objects()) {
		box := e.doc.Objects()[s].Box
		for k, h := range annotate.Handles {
			x, y := annotate.HandlePoint(box, h)
			pt := v.ToScreen(x, y)
			r.handles[k].Move(pt.SubtractXY(4, 4))
			r.handles[k].Resize(fyne.NewSize(8, 8))
		}
	}
	if e.drag.kind == dragDraw {
		p := v.ToScreen(math.Min(e.drag.startX, e.drag.curX), math.Min(e.drag.startY, e.drag.curY))
		q := v.ToScreen(math.Max(e.drag.startX, e.drag.curX), math.Max(e.drag.startY, e.drag.curY))
		r.band.Move(p)
		r.band.Resize(fyne.NewSize(q.X-p.X, q.Y-p.Y))
	}
	r.hline.Position1, r.hline.Position2 = fyne.NewPos(0, e.cursor.Y), fyne.NewPos(size.Width, e.cursor.Y)
	r.vline.Position1, r.vline.Position2 = fyne.NewPos(e.cursor.X, 0), fyne.NewPos(e.cursor.X, size.Height)
}
