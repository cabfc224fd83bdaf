package annotate

import (
	"testing"

	"github.com/labelloop/labelloop/voc"
)

func box(x1, y1, x2, y2 float64) voc.Box { return voc.Box{Xmin: x1, Ymin: y1, Xmax: x2, Ymax: y2} }

func newDoc() *Doc {
	a := voc.NewAnnotation("/x/a.jpg", 100, 80, 3)
	a.Objects = []voc.Object{{Name: "cat", Box: box(10, 10, 50, 50)}, {Name: "dog", Box: box(20, 20, 30, 30)}}
	return New(a, 100, 80)
}

func TestEditsUndoRedo(t *testing.T) {
	d := newDoc()
	if d.Dirty() {
		t.Fatal("fresh doc is dirty")
	}
	i := d.Add(voc.Object{Name: "bird", Box: box(90, 70, 120, 100)})
	if i != 2 || d.Selected() != 2 || d.Objects()[2].Box != box(90, 70, 100, 80) {
		t.Fatalf("add: %d %+v", i, d.Objects())
	}
	d.SetClass(2, "owl")
	d.ToggleDifficult(0)
	d.ToggleTruncated(0)
	d.Nudge(1, -50, 0) // stops at the left edge
	if d.Objects()[1].Box != box(0, 20, 10, 30) {
		t.Fatalf("nudge %+v", d.Objects()[1].Box)
	}
	d.Delete(0)
	if len(d.Objects()) != 2 || d.Selected() != 1 || !d.Dirty() {
		t.Fatalf("delete: %+v sel %d", d.Objects(), d.Selected())
	}
	steps := 0
	for d.Undo() {
		steps++
	}
	if steps != 6 || len(d.Objects()) != 2 || d.Objects()[0].Difficult || d.Objects()[1].Box != box(20, 20, 30, 30) {
		t.Fatalf("after %d undos: %+v", steps, d.Objects())
	}
	for d.Redo() {
	}
	o := d.Objects()
	if len(o) != 2 || o[0].Name != "dog" || o[1].Name != "owl" {
		t.Fatalf("after redo: %+v", o)
	}
	d.Undo()
	d.SetVerified(true) // a new edit clears the redo history
	if d.Redo() {
		t.Fatal("redo after a new edit")
	}
	d.MarkSaved()
	if d.Dirty() {
		t.Fatal("dirty after MarkSaved")
	}
	a := d.Annotation()
	if !a.Verified || len(a.Objects) != 3 {
		t.Fatalf("annotation %+v", a)
	}
}

func TestDragIsOneStep(t *testing.T) {
	d := newDoc()
	d.Begin()
	for k := 1; k <= 20; k++ {
		d.MoveBy(0, float64(k), float64(k))
	}
	d.End()
	if d.Objects()[0].Box != box(30, 30, 70, 70) {
		t.Fatalf("moved %+v", d.Objects()[0].Box)
	}
	d.Begin()
	d.MoveBy(0, 500, 500) // stops at the image edge, keeping its size
	d.End()
	if d.Objects()[0].Box != box(60, 40, 100, 80) {
		t.Fatalf("clamped move %+v", d.Objects()[0].Box)
	}
	d.Undo()
	d.Undo()
	if d.Objects()[0].Box != box(10, 10, 50, 50) || d.Undo() {
		t.Fatalf("undo of drags: %+v", d.Objects()[0].Box)
	}
	d.Begin()
	d.End() // a click without movement records nothing
	if d.Dirty() && len(d.undo) != 0 {
		t.Fatal("empty drag recorded")
	}
}

func TestDragHandleFlipsPastOppositeEdge(t *testing.T) {
	d := newDoc()
	d.Begin()
	d.DragHandle(0, HandleW, 30, 0)
	if d.Objects()[0].Box != box(30, 10, 50, 50) {
		t.Fatalf("%+v", d.Objects()[0].Box)
	}
	d.DragHandle(0, HandleW, 70, 0)
	d.DragHandle(0, HandleW, 80, 0)
	if d.Objects()[0].Box != box(50, 10, 80, 50) {
		t.Fatalf("flip: %+v", d.Objects()[0].Box)
	}
	d.DragHandle(0, HandleSE, 200, -5)
	if b := d.Objects()[0].Box; b != box(10, 0, 100, 10) {
		t.Fatalf("corner past the top: %+v", b)
	}
	d.End()
}

func TestDuplicatePasteClamp(t *testing.T) {
	d := newDoc()
	j := d.Duplicate(0)
	if j != 2 || d.Objects()[2].Box != box(20, 20, 60, 60) || d.Objects()[2].Name != "cat" {
		t.Fatalf("%d %+v", j, d.Objects())
	}
	d.Paste([]voc.Object{{Name: "a", Box: box(-5, -5, 5, 5)}, {Name: "b", Box: box(95, 75, 99.5, 200)}})
	o := d.Objects()
	if len(o) != 5 || o[3].Box != box(0, 0, 5, 5) || o[4].Box != box(95, 75, 99.5, 80) {
		t.Fatalf("paste %+v", o)
	}
	d.Undo()
	if len(d.Objects()) != 3 {
		t.Fatal("paste is not one step")
	}
	if b := d.Clamp(box(99.8, 5, 120, 5)); b.W() < 1 || b.H() < 1 || b.Xmax > 100 {
		t.Fatalf("degenerate clamp %+v", b)
	}
}

func TestHitTest(t *testing.T) {
	d := newDoc()
	if i, h := d.HitTest(25, 25, 2, nil); i != 1 || h != HandleInside {
		t.Fatalf("nested box: %d %v", i, h)
	}
	if i, h := d.HitTest(40, 40, 2, nil); i != 0 || h != HandleInside {
		t.Fatalf("outer box: %d %v", i, h)
	}
	if i, _ := d.HitTest(80, 70, 2, nil); i != -1 {
		t.Fatal("empty space hit")
	}
	d.Select(0)
	for _, h := range Handles {
		x, y := HandlePoint(d.Objects()[0].Box, h)
		if i, got := d.HitTest(x+1, y-1, 3, nil); i != 0 || got != h {
			t.Errorf("handle %v: got %d %v", h, i, got)
		}
	}
	hidden := func(i int) bool { return i != 1 }
	if i, _ := d.HitTest(25, 25, 0, hidden); i != 0 {
		t.Fatal("hidden box was hit")
	}
}

func TestPrelabelMarkUntilAPersonEdits(t *testing.T) {
	d := New(voc.NewAnnotation("a.jpg", 100, 100, 3), 100, 100)
	d.Prelabel([]voc.Object{{Name: "cat", Box: voc.Box{Xmin: 10, Ymin: 10, Xmax: 50, Ymax: 150}}}, "m.onnx")
	if d.Prelabelled() != "m.onnx" || len(d.Objects()) != 1 || d.Objects()[0].Box.Ymax != 100 || d.Verified() {
		t.Fatalf("after Prelabel: %q %+v verified %v", d.Prelabelled(), d.Objects(), d.Verified())
	}
	if a := d.Annotation(); a.Prelabelled != "m.onnx" {
		t.Fatalf("annotation mark %q", a.Prelabelled)
	}
	d.Nudge(0, 1, 0)
	if d.Prelabelled() != "" {
		t.Fatal("a person's edit kept the pre-label mark")
	}
	d.Undo()
	if d.Prelabelled() != "m.onnx" {
		t.Fatal("undo did not bring the mark back")
	}
	d.Undo()
	if d.Prelabelled() != "" || len(d.Objects()) != 0 {
		t.Fatal("undoing the pre-label left boxes or the mark")
	}
}

func TestAbortTakesBackADrawing(t *testing.T) {
	d := New(voc.NewAnnotation("a.jpg", 100, 100, 3), 100, 100)
	d.Begin()
	i := d.Add(voc.Object{Box: voc.Box{Xmin: 1, Ymin: 1, Xmax: 20, Ymax: 20}})
	d.SetClass(i, "dog")
	d.End()
	if d.Undo(); len(d.Objects()) != 0 {
		t.Fatal("drawing and naming were not one undo step")
	}
	d.Redo()
	d.Begin()
	d.Add(voc.Object{Box: voc.Box{Xmin: 1, Ymin: 1, Xmax: 20, Ymax: 20}})
	d.Abort()
	if len(d.Objects()) != 1 || d.Undo() && len(d.Objects()) != 0 || d.Redo() && len(d.Objects()) != 1 {
		t.Fatalf("abort left %d boxes or history", len(d.Objects()))
	}
}

// Undoing back to what is on disk leaves nothing to save: a box drawn on
// an unlabelled picture and undone must not leave an empty annotation
// (the picture would become a background sample), nor a pre-label undone.
func TestUndoToSavedIsClean(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(d *Doc)
		undos int
		dirty bool
	}{
		{"draw, undo", func(d *Doc) { d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}) }, 1, false},
		{"pre-label, undo", func(d *Doc) { d.Prelabel([]voc.Object{{Name: "cat", Box: box(1, 1, 9, 9)}}, "m.onnx") }, 1, false},
		{"verify, undo", func(d *Doc) { d.SetVerified(true) }, 1, false},
		{"two edits, one undo", func(d *Doc) { d.SetVerified(true); d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}) }, 1, true},
		{"draw, save, undo", func(d *Doc) { d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}); d.MarkSaved() }, 1, true},
		{"draw, save, undo, redo", func(d *Doc) { d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}); d.MarkSaved(); d.Undo(); d.Redo() }, 0, false},
		{"verify, unverify", func(d *Doc) { d.SetVerified(true); d.SetVerified(false) }, 0, false},
		{"draw, delete", func(d *Doc) { d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}); d.Delete(0) }, 0, false},
		{"draw, save, delete", func(d *Doc) { d.Add(voc.Object{Name: "cat", Box: box(1, 1, 9, 9)}); d.MarkSaved(); d.Delete(0) }, 0, true},
	} {
		d := New(voc.NewAnnotation("/x/a.jpg", 100, 80, 3), 100, 80)
		c.edit(d)
		for i := 0; i < c.undos; i++ {
			d.Undo()
		}
		if d.Dirty() != c.dirty {
			t.Errorf("%s: dirty %v, want %v", c.name, d.Dirty(), c.dirty)
		}
	}
}
