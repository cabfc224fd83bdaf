package ui

import (
	"time"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/voc"
)

// session is the labelling state of the Label tab, apart from its widgets
// (no Fyne here): the dataset and its report, each item's state, the
// list's filter and rows, the image being edited and its document, edits
// kept after a failed save, the class filter and counts.
type session struct {
	ds       *voc.Dataset
	report   *voc.Report
	classes  []string
	items    []itemState
	filter   listFilter
	shown    []int // item indices the list shows, after the filter
	cur      int   // item being edited, -1 for none
	doc      *annotate.Doc
	pic      *imgload.Picture
	stash    map[int]*annotate.Doc // edits whose save failed, kept in memory
	prevObjs []voc.Object          // the previous image's boxes, for Ctrl+V
	hidden   map[string]bool       // class filter
	counts   map[string]int        // boxes per class: the check's, kept current on save
	onDisk   []voc.Object          // the open image's boxes as last saved
	defClass string
	// ownWrites are the annotation files the Label tab saved, with their
	// times, so that the folder watcher does not reload them
	ownWrites map[string]time.Time
}

func newSession() session {
	return session{cur: -1, filter: filterAll, stash: map[int]*annotate.Doc{}, ownWrites: map[string]time.Time{}, hidden: map[string]bool{}}
}

// itemState is what the image list shows for one item.
type itemState struct {
	edited      bool // the open image has edits not saved yet
	boxes       int
	verified    bool
	prelabelled bool // a model's boxes, not reviewed yet
	err         bool
	unsaved     bool
}

func (s itemState) label(it voc.Item) string {
	switch {
	case s.unsaved, s.edited:
		return "unsaved"
	case s.err:
		return "error"
	case it.Image == "":
		return "no image"
	case it.XML == "":
		return "unlabelled"
	case s.verified:
		return "verified"
	case s.prelabelled:
		return "pre-labelled"
	}
	return "labelled"
}

// listFilter is a choice of the image list's filter; its text is the menu's.
type listFilter string

// The image list's filters.
const (
	filterAll         listFilter = "All"
	filterUnlabelled  listFilter = "Unlabelled"
	filterPrelabelled listFilter = "Pre-labelled"
	filterLabelled    listFilter = "Labelled"
	filterVerified    listFilter = "Verified"
	filterUnsaved     listFilter = "Unsaved"
	filterErrors      listFilter = "Errors"
)

// listFilters are the filters in the menu's order, each with the items it
// keeps: this table drives both the menu and the list.
var listFilters = []struct {
	name listFilter
	keep func(it voc.Item, s itemState) bool
}{
	{filterAll, func(voc.Item, itemState) bool { return true }},
	{filterUnlabelled, func(it voc.Item, _ itemState) bool { return it.Image != "" && it.XML == "" }},
	{filterPrelabelled, func(_ voc.Item, s itemState) bool { return s.prelabelled }},
	{filterLabelled, func(it voc.Item, _ itemState) bool { return it.XML != "" }},
	{filterVerified, func(_ voc.Item, s itemState) bool { return s.verified }},
	{filterUnsaved, func(_ voc.Item, s itemState) bool { return s.unsaved }},
	{filterErrors, func(_ voc.Item, s itemState) bool { return s.err }},
}

// filterNames are the filters' menu entries.
func filterNames() []string {
	names := make([]string, len(listFilters))
	for i, f := range listFilters {
		names[i] = string(f.name)
	}
	return names
}

// passes reports whether item i is in the list under the filter.
func (s *session) passes(i int) bool {
	for _, f := range listFilters {
		if f.name == s.filter {
			return f.keep(s.ds.Items[i], s.items[i])
		}
	}
	return true
}

// visible is the items the filter keeps, in dataset order, into rows.
func (s *session) visible(rows []int) []int {
	rows = rows[:0]
	if s.ds != nil {
		for i := range s.ds.Items {
			if s.passes(i) {
				rows = append(rows, i)
			}
		}
	}
	return rows
}

// merge swaps in a new listing of the same folder: each item found again
// (by its image, or its annotation when it has none) keeps its state, its
// edits kept after a failed save and its place as the current item; new
// items start blank for the check to fill in. lost says the current item
// is gone.
func (s *session) merge(fresh *voc.Dataset) (lost bool) {
	key := func(it voc.Item) string {
		if it.Image != "" {
			return it.Image
		}
		return it.XML
	}
	old := map[string]int{}
	for i, it := range s.ds.Items {
		old[key(it)] = i
	}
	items := make([]itemState, len(fresh.Items))
	stash := map[int]*annotate.Doc{}
	cur := -1
	for i, it := range fresh.Items {
		k, ok := old[key(it)]
		if !ok {
			continue
		}
		items[i] = s.items[k]
		if d := s.stash[k]; d != nil {
			stash[i] = d
		}
		if k == s.cur {
			cur = i
		}
	}
	lost = s.cur >= 0 && cur < 0
	s.ds, s.items, s.stash, s.cur = fresh, items, stash, cur
	return lost
}
