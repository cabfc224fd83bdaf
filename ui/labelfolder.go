package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/labelloop/labelloop/annotate"
	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// pickFolder asks for a dataset folder, starting beside the open one.
func (l *LabelScreen) pickFolder() {
	start := ""
	if l.ds != nil {
		start = filepath.Dir(l.ds.Root)
	}
	pickFolder(l.win, start, l.Open)
}

// Open loads a dataset folder: the list appears at once, the health check
// runs in the background and then fills in each image's state.
func (l *LabelScreen) Open(dir string) {
	if l.hasUnsaved() {
		dialog.ShowConfirm("Unsaved changes", "Save the current changes before opening another folder?", func(ok bool) {
			if ok && !l.saveAll() {
				return
			}
			l.stash = map[int]*annotate.Doc{}
			l.doc = nil
			l.Open(dir)
		}, l.win)
		return
	}
	ds, err := voc.Open(dir)
	if err != nil {
		dialog.ShowError(fmt.Errorf("cannot open %s: %w", dir, err), l.win)
		return
	}
	l.ds, l.report, l.cur, l.doc, l.pic, l.prevObjs = ds, nil, -1, nil, nil, nil
	l.page.setListing(ds)
	if l.opened != nil {
		l.opened(dir, ds.Root)
	}
	l.items = make([]itemState, len(ds.Items))
	l.stash = map[int]*annotate.Doc{}
	l.classes = nil
	if cl, err := voc.ReadClasses(ds.ClassesPath()); err == nil {
		l.classes = cl
	}
	l.showTitle()
	l.status.SetText("Checking dataset…")
	l.editor.Set(nil, nil)
	l.refilter()
	l.classPanel.refresh()
	l.recheck()
	if l.unwatch != nil {
		close(l.unwatch)
	}
	l.unwatch = make(chan struct{})
	if err := watchFolder(ds, l.unwatch, func(rewritten []string) { l.rescan(ds.Root, rewritten) }); err != nil {
		fyne.LogError("watching "+ds.Root, err)
	}
	if len(l.shown) > 0 {
		l.list.Select(0)
	}
}

// reopen opens dir, or, when it is the folder already open, lists it
// again to pick up what changed (a recent folder chosen again).
func (l *LabelScreen) reopen(dir string) {
	if l.ds != nil && dir == l.ds.Root {
		ds := l.ds
		l.background(func() { l.rescan(ds.Root, nil) })
		return
	}
	l.Open(dir)
}

// root is the open folder, or "" before one is opened.
func (l *LabelScreen) root() string {
	if l.ds == nil {
		return ""
	}
	return l.ds.Root
}

// say puts msg on the status line.
func (l *LabelScreen) say(msg string) { l.status.SetText(msg) }

// showTitle names the open folder and its size.
func (l *LabelScreen) showTitle() {
	l.title.SetText(fmt.Sprintf("%s  (%s, %s)", l.ds.Root, l.ds.Layout, wording.Count(len(l.ds.Items), "item", "items")))
}

func (l *LabelScreen) setReport(rep *voc.Report) {
	l.report = rep
	for i, info := range rep.Items {
		l.items[i].boxes, l.items[i].verified, l.items[i].prelabelled, l.items[i].err = info.Boxes, info.Verified, info.Prelabelled, info.Error
	}
	l.classes = voc.MergeClasses(l.classes, rep.Classes)
	l.counts = map[string]int{}
	for _, c := range rep.Summary.Classes {
		l.counts[c.Name] = c.Boxes
	}
	l.page.SetReport(rep)
	l.status.SetText(fmt.Sprintf("%s, %d labelled, %d unlabelled, %s — %s, %s",
		wording.Count(rep.Summary.Images, "image", "images"), rep.Summary.Labelled, rep.Summary.Unlabelled, wording.Count(rep.Summary.Boxes, "box", "boxes"),
		wording.Count(rep.Errors(), "error", "errors"), wording.Count(rep.Warnings(), "warning", "warnings")))
	l.refilter()
	l.classPanel.refresh()
	l.editor.Refresh() // class colours follow the class list
}

// itemFor is the item whose image or annotation is path, or -1.
func (l *LabelScreen) itemFor(path string) int {
	if l.ds == nil {
		return -1
	}
	for i, it := range l.ds.Items {
		if it.Image == path || it.XML == path {
			return i
		}
	}
	return -1
}
