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

// classPanel lists the classes with their colour, box count and a
// visibility check (the class filter), with add, rename and reorder.
func (w *Window) classPanel() fyne.CanvasObject {
	w.classList = widget.NewList(func() int { return len(w.classes) },
		func() fyne.CanvasObject {
			sw := canvas.NewRectangle(color.Black)
			sw.SetMinSize(fyne.NewSize(14, 14))
			return container.NewBorder(nil, nil, container.NewHBox(widget.NewCheck("", nil), sw), nil, widget.NewLabel("class name (0000)"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(w.classes) {
				return
			}
			name := w.classes[id]
			c := o.(*fyne.Container)
			left := c.Objects[1].(*fyne.Container)
			check := left.Objects[0].(*widget.Check)
			check.OnChanged = nil
			check.SetChecked(!w.hidden[name])
			check.OnChanged = func(on bool) { w.hidden[name] = !on; w.editor.Refresh() }
			sw := left.Objects[1].(*canvas.Rectangle)
			sw.FillColor = ClassColor(w.classes, name)
			sw.Refresh()
			c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d %s (%d)", id, name, w.classCount(name)))
		})
	w.defSel = widget.NewSelect(nil, func(s string) {
		w.defClass = ""
		if s != "" && s != "(ask)" {
			w.defClass = s
		}
		w.Canvas().Unfocus() // W goes to the editor, not to this list
	})
	w.defSel.PlaceHolder = "(ask)"
	selected := -1
	w.classList.OnSelected = func(id widget.ListItemID) { selected = id }
	add := widget.NewButton("Add", func() { w.askClassName("Add class", "", w.addClass) })
	rename := widget.NewButton("Rename", func() {
		if selected >= 0 && selected < len(w.classes) {
			old := w.classes[selected]
			w.askClassName("Rename class", old, func(to string) { w.renameClass(old, to) })
		}
	})
	up := widget.NewButton("Up", func() { w.moveClass(selected, -1, &selected) })
	down := widget.NewButton("Down", func() { w.moveClass(selected, 1, &selected) })
	buttons := container.NewGridWithColumns(2, add, rename, up, down)
	header := container.NewVBox(widget.NewLabelWithStyle("Classes", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("New boxes get:"), w.defSel)
	return container.NewBorder(header, buttons, nil, nil, w.classList)
}

// classCount is the number of boxes of a class across the dataset: the
// check's count, kept current as images are saved.
func (w *Window) classCount(name string) int { return w.counts[name] }

func (w *Window) refreshClasses() {
	w.classList.Refresh()
	opts := append([]string{"(ask)"}, w.classes...)
	w.defSel.SetOptions(opts)
}

// addClass appends a class and writes classes.txt at once: appending never
// changes an existing class's id.
func (w *Window) addClass(name string) {
	name = strings.TrimSpace(name)
	if name == "" || slices.Contains(w.classes, name) || w.ds == nil {
		return
	}
	w.classes = append(w.classes, name)
	if err := voc.WriteClasses(w.ds.ClassesPath(), w.classes); err != nil {
		dialog.ShowError(err, w.Window)
	}
	w.refreshClasses()
}

func (w *Window) askClassName(title, initial string, done func(string)) {
	e := widget.NewEntry()
	e.SetText(initial)
	d := dialog.NewForm(title, "OK", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", e)}, func(ok bool) {
		if ok {
			done(strings.TrimSpace(e.Text))
		}
	}, w.Window)
	e.OnSubmitted = func(string) { d.Submit() } // Enter confirms
	d.Resize(fyne.NewSize(360, d.MinSize().Height))
	d.Show()
	w.Canvas().Focus(e) // typing goes to the name at once
	if initial != "" {
		e.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

// renameClass renames in classes.txt and in every annotation, after saying
// how many files that touches.
func (w *Window) renameClass(from, to string) {
	if w.ds == nil || to == "" || to == from {
		return
	}
	if w.hasUnsaved() && !w.saveAll() {
		return
	}
	msg := fmt.Sprintf("Rename %q to %q in classes.txt and in every annotation that uses it? The class keeps its id (%d), so trained models stay valid, but their class name changes.",
		from, to, slices.Index(w.classes, from))
	dialog.ShowConfirm("Rename class", msg, func(ok bool) {
		if !ok {
			return
		}
		classes, changed, skipped, err := voc.RenameClass(w.ds, w.classes, from, to)
		if err != nil {
			dialog.ShowError(err, w.Window)
			return
		}
		w.classes = classes
		if w.counts != nil { // the boxes keep their count under the new name
			w.counts[to] += w.counts[from]
			delete(w.counts, from)
		}
		note := fmt.Sprintf("renamed %q to %q in %s", from, to, wording.Count(len(changed), "file", "files"))
		if len(skipped) > 0 {
			note += fmt.Sprintf("; %s not parse and were left alone", wording.Count(len(skipped), "file does", "files do"))
		}
		w.status.SetText(note)
		w.refreshClasses()
		if w.cur >= 0 {
			w.doc = nil
			w.Show(w.cur) // reload the open image with the new name
		}
	}, w.Window)
}

// moveClass reorders, warning that class ids change.
func (w *Window) moveClass(i, delta int, sel *int) {
	j := i + delta
	if w.ds == nil || i < 0 || j < 0 || i >= len(w.classes) || j >= len(w.classes) {
		return
	}
	dialog.ShowConfirm("Reorder classes",
		"Class ids are positions in classes.txt. A model trained before this change will report these two classes under each other's names. Reorder anyway?",
		func(ok bool) {
			if !ok {
				return
			}
			w.classes[i], w.classes[j] = w.classes[j], w.classes[i]
			if err := voc.WriteClasses(w.ds.ClassesPath(), w.classes); err != nil {
				dialog.ShowError(err, w.Window)
			}
			*sel = j
			w.refreshClasses()
			w.classList.Select(j)
			w.editor.Refresh()
		}, w.Window)
}

// pickClass shows a searchable class list at pos for box i. Enter takes
// the first match, or makes the typed name a new class; Escape cancels,
// and a box just drawn is then removed again.
func (w *Window) pickClass(i int, pos fyne.Position, fresh bool) {
	doc := w.doc
	if doc == nil || i >= len(doc.Objects()) {
		return
	}
	var pop *widget.PopUp
	matches := append([]string(nil), w.classes...)
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
			w.addClass(name)
			doc.SetClass(i, name)
			doc.End()
		}
		w.editor.Refresh()
		w.docChanged()
		w.Canvas().Unfocus()
	}
	entry := newPickerEntry()
	entry.SetPlaceHolder("class (type to search or add)")
	entry.OnChanged = func(s string) {
		matches = matches[:0]
		for _, c := range w.classes {
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
		for _, c := range w.classes {
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
	pop = widget.NewModalPopUp(box, w.Canvas())
	pop.Resize(fyne.NewSize(260, 280))
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(w.editor).Add(pos)
	pop.Move(abs)
	pop.Show()
	w.Canvas().Focus(entry)
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
