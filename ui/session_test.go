package ui

import (
	"slices"
	"testing"

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
