package ui

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// pickOptions configure the file picker.
type pickOptions struct {
	title  string
	dir    string   // where it opens: the dataset or the last pick
	exts   []string // the extensions listed (lower case, with the dot); folders always are
	multi  bool     // several files, or the whole folder
	folder bool     // a folder is what is picked: files are not listed
	onPick func(paths []string)
}

// showFilePicker is the app's file picker: it opens where the person was
// working, lists only the files that fit (pictures and videos, models,
// weights), fills the window's height, takes one file or several, and,
// for pictures and videos, the folder itself. The path can be typed or
// pasted (Enter goes there; in a folder picker, Enter on the folder shown
// picks it). Fyne's own file dialog opens in $HOME, lists
// every file, takes one, and shows a few rows.
func showFilePicker(win fyne.Window, o pickOptions) {
	p := &filePicker{o: o, chosen: map[string]bool{}}
	p.path = widget.NewEntry()
	p.path.OnSubmitted = func(s string) {
		s = filepath.Clean(strings.TrimSpace(s))
		if o.folder && s == filepath.Clean(p.dir) { // Enter on the folder shown: that one (a second Enter did nothing)
			p.finish([]string{p.dir})
			return
		}
		p.open(s)
	}
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { p.open(filepath.Dir(p.dir)) })
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, obj fyne.CanvasObject) { obj.(*widget.Label).SetText(p.rowText(id)) })
	p.list.OnSelected = func(id widget.ListItemID) {
		p.list.Unselect(id) // rows act as buttons: a second tap works too
		p.tap(id)
	}
	p.note = widget.NewLabel("")
	p.note.Truncation = fyne.TextTruncateEllipsis
	openBtn := widget.NewButton("Open", func() { p.finish(nil) })
	openBtn.Importance = widget.HighImportance
	p.openBtn = openBtn
	buttons := []fyne.CanvasObject{widget.NewButton("Cancel", func() { p.d.Hide() })}
	if o.folder {
		openBtn.SetText("Open this folder")
		openBtn.OnTapped = func() { p.finish([]string{p.dir}) }
	}
	if o.multi {
		buttons = append(buttons, widget.NewButton("Select all", p.selectAll),
			widget.NewButton("Open this folder", func() { p.finish([]string{p.dir}) }))
	}
	buttons = append(buttons, openBtn)
	content := container.NewBorder(container.NewBorder(nil, nil, up, nil, p.path),
		container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), p.note), nil, nil, p.list)
	p.d = dialog.NewCustomWithoutButtons(o.title, content, win)
	size := win.Canvas().Size()
	p.d.Resize(fyne.NewSize(min(900, size.Width-40), size.Height-40))
	dir := o.dir
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir, _ = os.UserHomeDir()
	}
	p.open(dir)
	p.d.Show()
	// a path can be typed or pasted at once (a file's path opens it)
	win.Canvas().Focus(p.path)
	p.path.TypedShortcut(&fyne.ShortcutSelectAll{})
}

type filePicker struct {
	o       pickOptions
	d       *dialog.CustomDialog
	path    *widget.Entry
	list    *widget.List
	note    *widget.Label
	openBtn *widget.Button
	dir     string
	rows    []pickRow
	chosen  map[string]bool
}

type pickRow struct {
	name string
	dir  bool
}

func (p *filePicker) fits(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range p.o.exts {
		if ext == e {
			return true
		}
	}
	return false
}

// open lists a folder, or, given a file, chooses it.
func (p *filePicker) open(dir string) {
	st, err := os.Stat(dir)
	if err != nil {
		p.note.SetText(dir + ": " + err.Error())
		return
	}
	if !st.IsDir() {
		p.finish([]string{dir})
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		p.note.SetText(err.Error())
		return
	}
	p.dir, p.rows, p.chosen = dir, p.rows[:0], map[string]bool{}
	files := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
				isDir = st.IsDir()
			}
		}
		if isDir || !p.o.folder && p.fits(e.Name()) {
			p.rows = append(p.rows, pickRow{e.Name(), isDir})
			if !isDir {
				files++
			}
		}
	}
	sort.SliceStable(p.rows, func(i, j int) bool {
		if p.rows[i].dir != p.rows[j].dir {
			return p.rows[i].dir
		}
		return voc.NaturalLess(p.rows[i].name, p.rows[j].name)
	})
	p.path.SetText(dir)
	p.list.UnselectAll()
	p.list.ScrollToTop()
	p.list.Refresh()
	if p.o.folder {
		p.note.SetText("Open this folder, or go into one of those below")
		return
	}
	p.note.SetText(wording.Count(files, "file", "files") + " of the kinds listed here (" + strings.Join(p.o.exts, " ") + ")")
	p.update()
}

func (p *filePicker) rowText(id int) string {
	if id >= len(p.rows) {
		return ""
	}
	// marks in Latin-1: Fyne's bundled font has no ▸ or ✓ (they showed as �)
	r := p.rows[id]
	switch {
	case r.dir:
		return "» " + r.name + string(filepath.Separator)
	case p.chosen[r.name]:
		return "[x] " + r.name
	}
	return "[ ] " + r.name
}

func (p *filePicker) tap(id int) {
	if id >= len(p.rows) {
		return
	}
	r := p.rows[id]
	if r.dir {
		p.open(filepath.Join(p.dir, r.name))
		return
	}
	if !p.o.multi {
		p.chosen = map[string]bool{}
	}
	p.chosen[r.name] = !p.chosen[r.name]
	p.list.Refresh()
	p.update()
}

func (p *filePicker) selectAll() {
	for _, r := range p.rows {
		if !r.dir {
			p.chosen[r.name] = true
		}
	}
	p.list.Refresh()
	p.update()
}

func (p *filePicker) update() {
	n := 0
	for _, on := range p.chosen {
		if on {
			n++
		}
	}
	if n == 0 {
		p.openBtn.SetText("Open")
		p.openBtn.Disable()
		return
	}
	p.openBtn.Enable()
	if p.o.multi {
		p.openBtn.SetText("Open " + wording.Count(n, "file", "files"))
	}
}

// finish hands the chosen files (or the given paths) over, in list order.
func (p *filePicker) finish(paths []string) {
	if paths == nil {
		for _, r := range p.rows {
			if p.chosen[r.name] {
				paths = append(paths, filepath.Join(p.dir, r.name))
			}
		}
	}
	if len(paths) == 0 {
		return
	}
	p.d.Hide()
	p.o.onPick(paths)
}
