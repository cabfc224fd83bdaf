package ui

import (
	"slices"
	"testing"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/voc"
)

// The list's filters keep what their names say, the menu lists them all
// once in the table's order, and an unknown filter keeps everything.
func TestSessionFilters(t *testing.T) {
	s := newSession()
	s.ds = &voc.Dataset{Items: []voc.Item{
		{Image: "a.jpg"},               // unlabelled
		{Image: "b.jpg", XML: "b.xml"}, // verified
		{Image: "c.jpg", XML: "c.xml"}, // pre-labelled, unsaved
		{XML: "d.xml"},                 // no image, an error
	}}
	s.items = []itemState{{}, {verified: true}, {prelabelled: true, unsaved: true}, {err: true}}
	want := map[listFilter][]int{
		filterAll: {0, 1, 2, 3}, filterUnlabelled: {0}, filterPrelabelled: {2}, filterLabelled: {1, 2, 3},
		filterVerified: {1}, filterUnsaved: {2}, filterErrors: {3}, "Something else": {0, 1, 2, 3},
	}
	for f, rows := range want {
		s.filter = f
		if got := s.visible(nil); !slices.Equal(got, rows) {
			t.Errorf("%s: rows %v, want %v", f, got, rows)
		}
	}
	names := filterNames()
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if len(names) != len(listFilters) || names[0] != string(filterAll) || len(slices.Compact(sorted)) != len(names) {
		t.Fatalf("menu %v: each filter once, All first", names)
	}
	for f := range want {
		if f != "Something else" && !slices.Contains(names, string(f)) {
			t.Errorf("%s is not in the menu %v", f, names)
		}
	}
	if s.cur != -1 || s.stash == nil || s.hidden == nil || s.ownWrites == nil {
		t.Fatalf("a new session %+v", s)
	}
}

// A new listing keeps each item's state, kept edits and current place by
// its file, starts new items blank, and says when the current one is gone.
func TestSessionMerge(t *testing.T) {
	s := newSession()
	s.ds = &voc.Dataset{Items: []voc.Item{{Image: "a.jpg"}, {Image: "b.jpg", XML: "b.xml"}, {XML: "c.xml"}}}
	s.items = []itemState{{boxes: 1}, {boxes: 2, verified: true}, {err: true}}
	kept := annotate.New(&voc.Annotation{}, 10, 10)
	s.stash[1] = kept
	s.cur = 1
	fresh := &voc.Dataset{Items: []voc.Item{{Image: "0.jpg"}, {Image: "b.jpg", XML: "b.xml"}, {XML: "c.xml"}}}
	if lost := s.merge(fresh); lost || s.cur != 1 || s.ds != fresh {
		t.Fatalf("lost %v, current %d", lost, s.cur)
	}
	if s.items[0] != (itemState{}) || !s.items[1].verified || s.items[1].boxes != 2 || !s.items[2].err || s.stash[1] != kept || len(s.stash) != 1 {
		t.Fatalf("items %+v, stash %v", s.items, s.stash)
	}
	// b.jpg renamed away: the current item is lost, its kept edits too
	if lost := s.merge(&voc.Dataset{Items: []voc.Item{{Image: "0.jpg"}, {Image: "d.jpg"}}}); !lost || s.cur != -1 || len(s.stash) != 0 {
		t.Fatalf("lost %v, current %d, stash %v", lost, s.cur, s.stash)
	}
}
