// Package annotate is the box editor's model: the boxes of one image,
// the selection, hit-testing and handle geometry, and every edit with
// undo and redo. It knows nothing of Fyne; coordinates are image pixels.
package annotate

import (
	"math"

	"github.com/labelloop/labelloop/voc"
)

// maxUndo bounds the history; a snapshot of 300 boxes is ~40 kB.
const maxUndo = 500

// state is what undo restores.
type state struct {
	objs        []voc.Object
	verified    bool
	prelabelled string // the model that wrote the boxes, until a person edits them
	sel         int
}

// Doc is one image's annotation being edited.
type Doc struct {
	ann       *voc.Annotation
	W, H      float64 // image size: boxes are clamped into it
	cur       state
	undo      []state
	redo      []state
	inEdit    bool  // between Begin and End (a drag)
	editStart state // the state Begin saw
	onDisk    state // what the file holds: edits that come back to it leave nothing to save
}

// New edits a (parsed or new) annotation of an image w×h pixels.
func New(a *voc.Annotation, w, h int) *Doc {
	d := &Doc{ann: a, W: float64(w), H: float64(h)}
	d.cur = state{objs: append([]voc.Object(nil), a.Objects...), verified: a.Verified, prelabelled: a.Prelabelled, sel: -1}
	d.onDisk = d.snapshot()
	return d
}

// Objects are the boxes as they are now (do not modify).
func (d *Doc) Objects() []voc.Object { return d.cur.objs }

// Verified reports the verified flag.
func (d *Doc) Verified() bool { return d.cur.verified }

// Prelabelled names the model whose unreviewed boxes these are ("" once a
// person has edited or verified them).
func (d *Doc) Prelabelled() string { return d.cur.prelabelled }

// Selected is the selected box's index, or -1.
func (d *Doc) Selected() int { return d.cur.sel }

// Select changes the selection (not an undoable edit).
func (d *Doc) Select(i int) {
	if i < -1 || i >= len(d.cur.objs) {
		i = -1
	}
	d.cur.sel = i
}

// Dirty reports unsaved changes.
func (d *Doc) Dirty() bool {
	return !sameState(d.cur, d.onDisk)
}

// sameState says two states would write the same annotation (Space
// twice on an unlabelled picture wrote an empty one).
func sameState(a, b state) bool {
	return a.verified == b.verified && a.prelabelled == b.prelabelled && sameObjects(a.objs, b.objs)
}

// MarkSaved records that the current state is on disk.
func (d *Doc) MarkSaved() { d.onDisk = d.snapshot() }

// Annotation returns the annotation with the current boxes, ready to save.
func (d *Doc) Annotation() *voc.Annotation {
	d.ann.Objects = append(d.ann.Objects[:0:0], d.cur.objs...)
	d.ann.Verified = d.cur.verified
	d.ann.Prelabelled = d.cur.prelabelled
	return d.ann
}

func (d *Doc) snapshot() state {
	return state{objs: append([]voc.Object(nil), d.cur.objs...), verified: d.cur.verified, prelabelled: d.cur.prelabelled, sel: d.cur.sel}
}

// edit applies f as one undoable step.
func (d *Doc) edit(f func()) {
	if d.inEdit {
		f()
		return
	}
	before := d.snapshot()
	f()
	d.cur.prelabelled = "" // a person's edit: the boxes are theirs now
	d.push(before)
}

// Prelabel adds a model's boxes as one undoable step and marks the image
// as pre-labelled by model: unverified, until a person edits or verifies it.
func (d *Doc) Prelabel(objs []voc.Object, model string) {
	d.End()
	before := d.snapshot()
	for _, o := range objs {
		o.Box = d.Clamp(o.Box)
		d.cur.objs = append(d.cur.objs, o)
	}
	d.cur.verified, d.cur.prelabelled = false, model
	d.push(before)
}

func (d *Doc) push(before state) {
	d.undo = append(d.undo, before)
	if len(d.undo) > maxUndo {
		d.undo = d.undo[1:]
	}
	d.redo = d.redo[:0]
}

// Begin starts a continuous edit (a drag): everything until End is one
// undo step, and nothing is recorded if nothing changed.
func (d *Doc) Begin() {
	if !d.inEdit {
		d.inEdit = true
		d.editStart = d.snapshot()
	}
}

// End finishes a continuous edit.
func (d *Doc) End() {
	if !d.inEdit {
		return
	}
	d.inEdit = false
	if !sameObjects(d.editStart.objs, d.cur.objs) || d.editStart.verified != d.cur.verified {
		d.cur.prelabelled = ""
		d.push(d.editStart)
	}
}

func sameObjects(a, b []voc.Object) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Box != b[i].Box || a[i].Difficult != b[i].Difficult ||
			a[i].Truncated != b[i].Truncated || a[i].Pose != b[i].Pose {
			return false
		}
	}
	return true
}

// Abort ends a continuous edit by taking it back whole, leaving nothing
// to undo or redo (a drawn box whose class picker was cancelled).
func (d *Doc) Abort() {
	if d.inEdit {
		d.inEdit = false
		d.cur = d.editStart
	}
}

// Undo steps back; it reports whether there was anything to undo.
func (d *Doc) Undo() bool {
	d.End()
	if len(d.undo) == 0 {
		return false
	}
	d.redo = append(d.redo, d.snapshot())
	d.cur = d.undo[len(d.undo)-1]
	d.undo = d.undo[:len(d.undo)-1]
	return true
}

// Redo re-applies what Undo took back.
func (d *Doc) Redo() bool {
	d.End()
	if len(d.redo) == 0 {
		return false
	}
	d.undo = append(d.undo, d.snapshot())
	d.cur = d.redo[len(d.redo)-1]
	d.redo = d.redo[:len(d.redo)-1]
	return true
}

// Clamp keeps a box inside the image, with its corners ordered and at
// least one pixel each way.
func (d *Doc) Clamp(b voc.Box) voc.Box {
	if b.Xmin > b.Xmax {
		b.Xmin, b.Xmax = b.Xmax, b.Xmin
	}
	if b.Ymin > b.Ymax {
		b.Ymin, b.Ymax = b.Ymax, b.Ymin
	}
	b.Xmin, b.Xmax = clampSpan(b.Xmin, b.Xmax, d.W)
	b.Ymin, b.Ymax = clampSpan(b.Ymin, b.Ymax, d.H)
	return b
}

func clampSpan(lo, hi, limit float64) (float64, float64) {
	if limit <= 0 {
		return lo, hi
	}
	lo, hi = math.Max(0, math.Min(lo, limit)), math.Max(0, math.Min(hi, limit))
	if hi-lo < 1 {
		if lo+1 <= limit {
			hi = lo + 1
		} else {
			lo = hi - 1
		}
	}
	return lo, hi
}

// Add appends a box (clamped) and selects it; it returns its index.
func (d *Doc) Add(o voc.Object) int {
	d.edit(func() {
		o.Box = d.Clamp(o.Box)
		d.cur.objs = append(d.cur.objs, o)
		d.cur.sel = len(d.cur.objs) - 1
	})
	return d.cur.sel
}

func (d *Doc) valid(i int) bool { return i >= 0 && i < len(d.cur.objs) }

// Delete removes box i.
func (d *Doc) Delete(i int) {
	if !d.valid(i) {
		return
	}
	d.edit(func() {
		d.cur.objs = append(d.cur.objs[:i:i], d.cur.objs[i+1:]...)
		switch {
		case d.cur.sel == i:
			d.cur.sel = -1
		case d.cur.sel > i:
			d.cur.sel--
		}
	})
}

// Duplicate copies box i, offset by 10 px so it shows, and selects the copy.
func (d *Doc) Duplicate(i int) int {
	if !d.valid(i) {
		return -1
	}
	o := d.cur.objs[i]
	b := o.Box
	dx, dy := 10.0, 10.0
	if b.Xmax+dx > d.W {
		dx = -dx
	}
	if b.Ymax+dy > d.H {
		dy = -dy
	}
	o.Box = voc.Box{Xmin: b.Xmin + dx, Ymin: b.Ymin + dy, Xmax: b.Xmax + dx, Ymax: b.Ymax + dy}
	return d.Add(o)
}

// SetClass renames box i's class.
func (d *Doc) SetClass(i int, name string) {
	if d.valid(i) && d.cur.objs[i].Name != name {
		d.edit(func() { d.cur.objs[i].Name = name })
	}
}

// ToggleDifficult flips box i's difficult flag.
func (d *Doc) ToggleDifficult(i int) {
	if d.valid(i) {
		d.edit(func() { d.cur.objs[i].Difficult = !d.cur.objs[i].Difficult })
	}
}

// ToggleTruncated flips box i's truncated flag.
func (d *Doc) ToggleTruncated(i int) {
	if d.valid(i) {
		d.edit(func() { d.cur.objs[i].Truncated = !d.cur.objs[i].Truncated })
	}
}

// SetVerified sets the verified flag.
func (d *Doc) SetVerified(v bool) {
	if d.cur.verified != v {
		d.edit(func() { d.cur.verified = v })
	}
}

// Nudge moves box i by (dx, dy) pixels, staying inside the image.
func (d *Doc) Nudge(i int, dx, dy float64) {
	if d.valid(i) {
		d.edit(func() { d.cur.objs[i].Box = d.translate(d.cur.objs[i].Box, dx, dy) })
	}
}

// translate moves a box without changing its size, stopping at the edges.
func (d *Doc) translate(b voc.Box, dx, dy float64) voc.Box {
	dx = math.Max(-b.Xmin, math.Min(dx, d.W-b.Xmax))
	dy = math.Max(-b.Ymin, math.Min(dy, d.H-b.Ymax))
	return voc.Box{Xmin: b.Xmin + dx, Ymin: b.Ymin + dy, Xmax: b.Xmax + dx, Ymax: b.Ymax + dy}
}

// Paste adds copies of objs (say, the previous image's boxes) as one step.
func (d *Doc) Paste(objs []voc.Object) {
	if len(objs) == 0 {
		return
	}
	d.edit(func() {
		for _, o := range objs {
			d.cur.objs = append(d.cur.objs, voc.Object{Name: o.Name, Pose: o.Pose, Truncated: o.Truncated,
				Difficult: o.Difficult, Box: d.Clamp(o.Box)})
		}
		d.cur.sel = len(d.cur.objs) - 1
	})
}

// SetBox replaces box i's geometry (clamped); inside Begin/End it is part
// of the drag's one step.
func (d *Doc) SetBox(i int, b voc.Box) {
	if d.valid(i) {
		d.edit(func() { d.cur.objs[i].Box = d.Clamp(b) })
	}
}

// MoveBy is a drag's translation of box i from its box at Begin.
func (d *Doc) MoveBy(i int, dx, dy float64) {
	if !d.valid(i) {
		return
	}
	from := d.cur.objs[i].Box
	if d.inEdit && i < len(d.editStart.objs) {
		from = d.editStart.objs[i].Box
	}
	d.edit(func() { d.cur.objs[i].Box = d.translate(from, dx, dy) })
}

// DragHandle moves handle h of box i to (x, y); dragging past the
// opposite edge flips the box rather than making it negative.
func (d *Doc) DragHandle(i int, h Handle, x, y float64) {
	if !d.valid(i) {
		return
	}
	b := d.cur.objs[i].Box
	if d.inEdit && i < len(d.editStart.objs) {
		b = d.editStart.objs[i].Box // the opposite edges stay where they began
	}
	if h.Left() {
		b.Xmin = x
	}
	if h.Right() {
		b.Xmax = x
	}
	if h.Top() {
		b.Ymin = y
	}
	if h.Bottom() {
		b.Ymax = y
	}
	d.SetBox(i, b)
}
