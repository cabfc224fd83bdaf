package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// classPanel is the Classes column: the classes with their colour, box
// count and a visibility check (the class filter), the class new boxes
// get, and add, rename and reorder. It works on the Label tab's labelling
// session and hears nothing else of the tab but two hooks.
type classPanel struct {
	s      *session
	win    fyne.Window // for dialogs and focus
	editor *Editor
	// saveFirst saves the edited images before a rename rewrites the
	// annotations; false leaves everything as it is.
	saveFirst func() bool
	// renamed hears what a rename did, after classes.txt and the
	// annotations changed.
	renamed func(note string)

	list     *widget.List
	defSel   *widget.Select
	selected int
}

func newClassPanel(s *session, win fyne.Window, editor *Editor, saveFirst func() bool, renamed func(note string)) *classPanel {
	p := &classPanel{s: s, win: win, editor: editor, saveFirst: saveFirst, renamed: renamed, selected: -1}
	p.list = widget.NewList(func() int { return len(p.s.classes) },
		func() fyne.CanvasObject {
			sw := canvas.NewRectangle(color.Black)
			sw.SetMinSize(fyne.NewSize(14, 14))
			return container.NewBorder(nil, nil, container.NewHBox(widget.NewCheck("", nil), sw), nil, widget.NewLabel("class name (0000)"))
		},
		p.updateRow)
	p.defSel = widget.NewSelect(nil, func(c string) {
		p.s.defClass = ""
		if c != "" && c != "(ask)" {
			p.s.defClass = c
		}
		p.win.Canvas().Unfocus() // W goes to the editor, not to this list
	})
	p.defSel.PlaceHolder = "(ask)"
	p.list.OnSelected = func(id widget.ListItemID) { p.selected = id }
	return p
}

// content is the column: header, list and buttons.
func (p *classPanel) content() fyne.CanvasObject {
	add := widget.NewButton("Add", func() { p.askName("Add class", "", p.add) })
	rename := widget.NewButton("Rename", func() {
		if p.selected >= 0 && p.selected < len(p.s.classes) {
			old := p.s.classes[p.selected]
			p.askName("Rename class", old, func(to string) { p.rename(old, to) })
		}
	})
	up := widget.NewButton("Up", func() { p.move(p.selected, -1) })
	down := widget.NewButton("Down", func() { p.move(p.selected, 1) })
	buttons := container.NewGridWithColumns(2, add, rename, up, down)
	header := container.NewVBox(widget.NewLabelWithStyle("Classes", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("New boxes get:"), p.defSel)
	return container.NewBorder(header, buttons, nil, nil, p.list)
}

// updateRow shows class id's visibility check, colour and box count: the
// check's count, kept current as images are saved.
func (p *classPanel) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.s.classes) {
		return
	}
	name := p.s.classes[id]
	c := o.(*fyne.Container)
	left := c.Objects[1].(*fyne.Container)
	check := left.Objects[0].(*widget.Check)
	check.OnChanged = nil
	check.SetChecked(!p.s.hidden[name])
	check.OnChanged = func(on bool) { p.s.hidden[name] = !on; p.editor.Refresh() }
	sw := left.Objects[1].(*canvas.Rectangle)
	sw.FillColor = ClassColor(p.s.classes, name)
	sw.Refresh()
	c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d %s (%d)", id, name, p.s.counts[name]))
}

func (p *classPanel) refresh() {
	p.list.Refresh()
	opts := append([]string{"(ask)"}, p.s.classes...)
	p.defSel.SetOptions(opts)
	// a class of the folder opened before is no default here
	if p.s.defClass != "" && !slices.Contains(p.s.classes, p.s.defClass) {
		p.s.defClass = ""
		p.defSel.ClearSelected()
	}
}

// add appends a class and writes classes.txt at once: appending never
// changes an existing class's id.
func (p *classPanel) add(name string) {
	name = strings.TrimSpace(name)
	if name == "" || slices.Contains(p.s.classes, name) || p.s.ds == nil {
		return
	}
	p.s.classes = append(p.s.classes, name)
	if err := voc.WriteClasses(p.s.ds.ClassesPath(), p.s.classes); err != nil {
		dialog.ShowError(err, p.win)
	}
	p.refresh()
}

func (p *classPanel) askName(title, initial string, done func(string)) {
	e := widget.NewEntry()
	e.SetText(initial)
	d := dialog.NewForm(title, "OK", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", e)}, func(ok bool) {
		if ok {
			done(strings.TrimSpace(e.Text))
		}
	}, p.win)
	e.OnSubmitted = func(string) { d.Submit() } // Enter confirms
	d.Resize(fyne.NewSize(360, d.MinSize().Height))
	d.Show()
	p.win.Canvas().Focus(e) // typing goes to the name at once
	if initial != "" {
		e.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

// rename renames in classes.txt and in every annotation, after saying how
// many files that touches.
func (p *classPanel) rename(from, to string) {
	if p.s.ds == nil || to == "" || to == from {
		return
	}
	if !p.saveFirst() {
		return
	}
	msg := fmt.Sprintf("Rename %q to %q in classes.txt and in every annotation that uses it? The class keeps its id (%d), so trained models stay valid, but their class name changes.",
		from, to, slices.Index(p.s.classes, from))
	dialog.ShowConfirm("Rename class", msg, func(ok bool) {
		if !ok {
			return
		}
		classes, changed, skipped, err := voc.RenameClass(p.s.ds, p.s.classes, from, to)
		if err != nil {
			dialog.ShowError(err, p.win)
			return
		}
		p.s.classes = classes
		if p.s.counts != nil { // the boxes keep their count under the new name
			p.s.counts[to] += p.s.counts[from]
			delete(p.s.counts, from)
		}
		note := fmt.Sprintf("renamed %q to %q in %s", from, to, wording.Count(len(changed), "file", "files"))
		if len(skipped) > 0 {
			note += fmt.Sprintf("; %s not parse and were left alone", wording.Count(len(skipped), "file does", "files do"))
		}
		p.refresh()
		p.renamed(note)
	}, p.win)
}

// move reorders, warning that class ids change.
func (p *classPanel) move(i, delta int) {
	j := i + delta
	if p.s.ds == nil || i < 0 || j < 0 || i >= len(p.s.classes) || j >= len(p.s.classes) {
		return
	}
	dialog.ShowConfirm("Reorder classes",
		"Class ids are positions in classes.txt. A model trained before this change will report these two classes under each other's names. Reorder anyway?",
		func(ok bool) {
			if !ok {
				return
			}
			p.s.classes[i], p.s.classes[j] = p.s.classes[j], p.s.classes[i]
			if err := voc.WriteClasses(p.s.ds.ClassesPath(), p.s.classes); err != nil {
				dialog.ShowError(err, p.win)
			}
			p.selected = j
			p.refresh()
			p.list.Select(j)
			p.editor.Refresh()
		}, p.win)
}

// pickClass shows a searchable class list at pos for box i. Enter takes
// the first match, or makes the typed name a new class; Escape cancels,
// and a box just drawn is then removed again.
func (l *LabelScreen) pickClass(i int, pos fyne.Position, fresh bool) {
	doc := l.doc
	if doc == nil || i >= len(doc.Objects()) {
		return
	}
	var pop *widget.PopUp
	matches := append([]string(nil), l.classes...)
	list := widget.NewList(func() int { return len(matches) },
		func() fyne.CanvasObject { return widget.NewLabel("class name") },
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(matches[id]) })
	choose := func(name string) {
		pop.Hide()
		name = strings.TrimSpace(name)
		if name == "" {
			if fresh {
				doc.Abort() // no class: the box was a slip
			}
		} else {
			l.classPanel.add(name)
			doc.SetClass(i, name)
			doc.End()
		}
		l.editor.Refresh()
		l.docChanged()
		l.win.Canvas().Unfocus()
	}
	entry := newPickerEntry()
	entry.SetPlaceHolder("class (type to search or add)")
	entry.OnChanged = func(s string) {
		matches = matches[:0]
		for _, c := range l.classes {
			if strings.Contains(strings.ToLower(c), strings.ToLower(s)) {
				matches = append(matches, c)
			}
		}
		list.Refresh()
	}
	// Enter takes what is typed (an existing class in another letter case
	// is that class); Down and Up complete the typed text to the matches,
	// so "ellipse" can be added next to "ellipsecircle".
	entry.OnSubmitted = func(s string) {
		for _, c := range l.classes {
			if strings.EqualFold(c, strings.TrimSpace(s)) {
				choose(c)
				return
			}
		}
		choose(s)
	}
	entry.onStep = func(d int) {
		if len(matches) == 0 {
			return
		}
		at := (slices.Index(matches, entry.Text) + d + len(matches)) % len(matches)
		if slices.Index(matches, entry.Text) < 0 && d < 0 {
			at = len(matches) - 1
		}
		pick := matches[at]
		on := entry.OnChanged
		entry.OnChanged = nil // completing is not a new search
		entry.SetText(pick)
		entry.CursorColumn = len([]rune(pick))
		entry.OnChanged = on
	}
	entry.onEscape = func() { choose("") }
	list.OnSelected = func(id widget.ListItemID) { choose(matches[id]) }
	if !fresh {
		entry.SetText(doc.Objects()[i].Name)
		entry.OnChanged("")
	}
	box := container.NewBorder(container.NewVBox(widget.NewLabel("Class of the box"), entry), nil, nil, nil, list)
	pop = widget.NewModalPopUp(box, l.win.Canvas())
	pop.Resize(fyne.NewSize(260, 280))
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(l.editor).Add(pos)
	pop.Move(abs)
	pop.Show()
	l.win.Canvas().Focus(entry)
	if !fresh { // renaming: typing replaces the old name
		entry.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

// pickerEntry is an Entry that reports Escape.
type pickerEntry struct {
	widget.Entry
	onEscape func()
	onStep   func(d int) // Down (+1) and Up (-1)
}

func newPickerEntry() *pickerEntry {
	e := &pickerEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *pickerEntry) TypedKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape && e.onEscape != nil:
		e.onEscape()
		return
	case k.Name == fyne.KeyDown && e.onStep != nil:
		e.onStep(1)
		return
	case k.Name == fyne.KeyUp && e.onStep != nil:
		e.onStep(-1)
		return
	}
	e.Entry.TypedKey(k)
}
