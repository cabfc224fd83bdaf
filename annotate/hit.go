package annotate

import "github.com/labelloop/labelloop/voc"

// Handle is a part of a box the pointer can grab.
type Handle int

const (
	HandleNone Handle = iota
	HandleInside
	HandleN
	HandleS
	HandleE
	HandleW
	HandleNE
	HandleNW
	HandleSE
	HandleSW
)

// Left, Right, Top and Bottom say which edges a handle moves.
func (h Handle) Left() bool   { return h == HandleW || h == HandleNW || h == HandleSW }
func (h Handle) Right() bool  { return h == HandleE || h == HandleNE || h == HandleSE }
func (h Handle) Top() bool    { return h == HandleN || h == HandleNE || h == HandleNW }
func (h Handle) Bottom() bool { return h == HandleS || h == HandleSE || h == HandleSW }

// Handles are the eight resize handles, in drawing order.
var Handles = []Handle{HandleNW, HandleN, HandleNE, HandleE, HandleSE, HandleS, HandleSW, HandleW}

// HandlePoint is where handle h of box b sits.
func HandlePoint(b voc.Box, h Handle) (x, y float64) {
	x, y = (b.Xmin+b.Xmax)/2, (b.Ymin+b.Ymax)/2
	if h.Left() {
		x = b.Xmin
	}
	if h.Right() {
		x = b.Xmax
	}
	if h.Top() {
		y = b.Ymin
	}
	if h.Bottom() {
		y = b.Ymax
	}
	return x, y
}

// HitTest finds what is under (x, y): first a handle of the selected box
// within tol pixels, then the smallest visible box containing the point
// (so a box inside another can still be picked). visible may be nil.
func (d *Doc) HitTest(x, y, tol float64, visible func(i int) bool) (int, Handle) {
	if s := d.cur.sel; d.valid(s) && (visible == nil || visible(s)) {
		b := d.cur.objs[s].Box
		for _, h := range Handles {
			hx, hy := HandlePoint(b, h)
			if abs(hx-x) <= tol && abs(hy-y) <= tol {
				return s, h
			}
		}
	}
	best, bestArea := -1, 0.0
	for i, o := range d.cur.objs {
		if visible != nil && !visible(i) {
			continue
		}
		b := o.Box
		if x >= b.Xmin-tol && x <= b.Xmax+tol && y >= b.Ymin-tol && y <= b.Ymax+tol {
			if a := b.W() * b.H(); best < 0 || a < bestArea {
				best, bestArea = i, a
			}
		}
	}
	if best < 0 {
		return -1, HandleNone
	}
	return best, HandleInside
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
