package ui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"github.com/fsnotify/fsnotify"

	"github.com/labelloop/labelloop/voc"
)

// The open folder is watched: pictures copied in, removed, renamed or
// changed by another program, and annotations written by another tool
// (labelloop autolabel, LabelImg) show up in the list without reopening
// it. One inotify watch per folder, whatever the number of files; a burst
// of events (a copy of 10,000 photos) is one rescan after it settles.

// rescanDelay lets a burst of file events settle into one rescan.
const rescanDelay = 300 * time.Millisecond

// watchFolder watches ds's folders until stop is closed; changed reports
// a rescan is due and which pictures were rewritten.
func watchFolder(ds *voc.Dataset, stop <-chan struct{}, changed func(rewritten []string)) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	dirs := []string{ds.Root}
	for _, d := range []string{ds.ImageDir, ds.AnnDir} {
		if d != "" && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) && d != ds.Root {
			continue // Annotations/ of a set not labelled yet: made by the first save
		}
		if err := fw.Add(d); err != nil {
			fw.Close()
			return err
		}
	}
	go func() {
		defer fw.Close()
		var timer <-chan time.Time
		var rewritten []string
		pending := false
		for {
			select {
			case <-stop:
				return
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				name := filepath.Base(ev.Name)
				if strings.HasPrefix(name, ".") || strings.Contains(name, ".tmp") {
					continue // our own atomic writes' temporary files
				}
				if ext := filepath.Ext(name); ev.Op&(fsnotify.Write|fsnotify.Create) != 0 && (voc.ExtFormat(ext) != "" || strings.EqualFold(ext, ".xml")) {
					rewritten = append(rewritten, ev.Name)
				}
				if !pending {
					pending, timer = true, time.After(rescanDelay)
				}
			case <-fw.Errors:
			case <-timer:
				pending, timer = false, nil
				changed(rewritten)
				rewritten = nil
			}
		}
	}()
	return nil
}

// rescan lists the folder again and merges the result into the Label tab:
// each image keeps its state, its unsaved edits and, when it is still
// there, its place as the current image. It does nothing when the list of
// files is unchanged (the tab's own saves land here too).
// It runs off the UI goroutine, for the folder root.
func (l *LabelScreen) rescan(root string, rewritten []string) {
	fresh, err := voc.Open(root)
	if err != nil {
		return
	}
	fyne.Do(func() {
		ds := l.ds
		if ds == nil || ds.Root != root {
			return // another folder was opened meanwhile
		}
		var changed []string // rewritten by another program, not by a save here
		for _, p := range rewritten {
			// stat here, on the UI goroutine, where saves happen: a save
			// between a background stat and this check looked foreign
			if t, ok := l.ownWrites[p]; ok && t.Equal(modTime(p)) {
				continue
			}
			l.cache.Forget(p)
			changed = append(changed, p)
		}
		var curItem voc.Item
		if l.cur >= 0 {
			curItem = ds.Items[l.cur]
		}
		if !slices.Equal(ds.Items, fresh.Items) {
			l.merge(fresh)
		}
		if l.cur < 0 || l.doc != nil && l.doc.Dirty() {
			return
		}
		it := l.ds.Items[l.cur]
		if it != curItem || slices.Contains(changed, it.Image) || it.XML != "" && slices.Contains(changed, it.XML) {
			cur := l.cur
			l.doc = nil // reload the picture and its boxes from disk
			l.Show(cur)
		}
	})
}

// merge swaps in a new listing of the same folder.
func (l *LabelScreen) merge(fresh *voc.Dataset) {
	lost := l.session.merge(fresh)
	l.showTitle()
	if lost {
		l.doc, l.pic = nil, nil
		l.editor.Set(nil, nil)
		l.status.SetText("The image shown was removed from the folder")
	}
	l.page.setListing(fresh)
	l.refilter()
	l.recheck()
}

// refreshReport checks the folder again if annotations were saved since
// the last check, and gives the split panel the listing anew: the
// Dataset tab showed the counts of when the folder was opened.
func (l *LabelScreen) refreshReport() {
	if l.ds == nil || !l.saved {
		return
	}
	l.saved = false
	l.page.setListing(l.ds)
	l.recheck()
}

// recheck runs the health check in the background and fills in each
// image's state when it is done.
func (l *LabelScreen) recheck() {
	ds := l.ds
	l.background(func() {
		rep, err := voc.Check(ds, voc.CheckOptions{})
		fyne.Do(func() {
			if l.ds != ds {
				return // another folder was opened meanwhile
			}
			if err != nil {
				l.status.SetText(err.Error())
				return
			}
			l.setReport(rep)
		})
	})
}

func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
