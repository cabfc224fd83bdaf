// Package ui holds LabelLoop's Fyne widgets and screens, and nothing else:
// dataset logic lives in voc/, editing in annotate/.
package ui

import (
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the formats datasets hold
	_ "image/png"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	_ "golang.org/x/image/bmp"

	"github.com/labelloop/labelloop/voc"
)

// Window is the main window: a dataset's images on the left, the selected
// image with its boxes, and the dataset's health report.
type Window struct {
	fyne.Window
	OnOpen func(dir string) // called after a dataset opens (recent folders)

	ds      *voc.Dataset
	report  *voc.Report
	state   []string // per item: its state as shown in the list
	sel     int
	list    *widget.List
	view    *ImageView
	health  *widget.Label
	status  *widget.Label
	title   *widget.Label
	recent  *widget.Select
	loading int // generation of the image being loaded, to drop stale loads
}

// NewWindow builds the main window; recent lists recently opened folders.
func NewWindow(a fyne.App, recent []string) *Window {
	w := &Window{Window: a.NewWindow("LabelLoop"), sel: -1}
	w.view = NewImageView(func(name string) imageColor { return w.classColor(name) })
	w.health = widget.NewLabel("Open a dataset folder to see its health report.")
	w.health.Wrapping = fyne.TextWrapWord
	w.health.TextStyle.Monospace = true
	w.status = widget.NewLabel("")
	w.title = widget.NewLabel("No dataset")
	w.list = widget.NewList(w.count, func() fyne.CanvasObject { return widget.NewLabel("image-00000.jpg   unlabelled") }, w.updateRow)
	w.list.OnSelected = func(id widget.ListItemID) { w.show(id) }
	open := widget.NewButton("Open folder…", w.pickFolder)
	w.recent = widget.NewSelect(recent, func(dir string) {
		if dir != "" && (w.ds == nil || dir != w.ds.Root) {
			w.Open(dir)
		}
	})
	w.recent.PlaceHolder = "Recent folders"
	top := container.NewBorder(nil, nil, container.NewHBox(open, w.recent), nil, w.title)
	tabs := container.NewAppTabs(
		container.NewTabItem("Image", w.view),
		container.NewTabItem("Health", container.NewVScroll(w.health)),
	)
	split := container.NewHSplit(w.list, tabs)
	split.Offset = 0.22
	w.SetContent(container.NewBorder(top, w.status, nil, nil, split))
	w.Resize(fyne.NewSize(1100, 720))
	w.Canvas().SetOnTypedKey(w.typedKey)
	return w
}

// typedKey: D and A step through images, as in LabelImg.
func (w *Window) typedKey(k *fyne.KeyEvent) {
	if w.ds == nil || len(w.ds.Items) == 0 {
		return
	}
	switch k.Name {
	case fyne.KeyD, fyne.KeyRight, fyne.KeyDown:
		w.list.Select(min(w.sel+1, len(w.ds.Items)-1))
	case fyne.KeyA, fyne.KeyLeft, fyne.KeyUp:
		w.list.Select(max(w.sel-1, 0))
	}
}

func (w *Window) pickFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			w.Open(u.Path())
		}
	}, w.Window)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// Open loads a dataset folder: the list appears at once, the health check
// runs in the background and then marks each image's state.
func (w *Window) Open(dir string) {
	ds, err := voc.Open(dir)
	if err != nil {
		dialog.ShowError(fmt.Errorf("cannot open %s: %w", dir, err), w.Window)
		return
	}
	w.ds, w.report, w.sel = ds, nil, -1
	w.state = make([]string, len(ds.Items))
	w.title.SetText(fmt.Sprintf("%s  (%s, %d items)", ds.Root, ds.Layout, len(ds.Items)))
	w.status.SetText("Checking dataset…")
	w.view.Set(nil, nil)
	w.list.UnselectAll()
	w.list.Refresh()
	if w.OnOpen != nil {
		w.OnOpen(dir)
	}
	go func() {
		rep, err := voc.Check(ds, voc.CheckOptions{})
		fyne.Do(func() {
			if w.ds != ds {
				return // another folder was opened meanwhile
			}
			if err != nil {
				w.status.SetText(err.Error())
				return
			}
			w.setReport(rep)
		})
	}()
	if len(ds.Items) > 0 {
		w.list.Select(0)
	}
}

func (w *Window) setReport(rep *voc.Report) {
	w.report = rep
	bad := map[string]voc.Severity{}
	for _, is := range rep.Issues {
		if bad[is.File] != voc.SevError {
			bad[is.File] = is.Severity
		}
	}
	for i, it := range w.ds.Items {
		w.state[i] = itemState(it, bad)
	}
	var sb strings.Builder
	rep.WriteText(&sb, 500)
	w.health.SetText(sb.String())
	w.status.SetText(fmt.Sprintf("%d images, %d labelled, %d unlabelled, %d boxes — %d errors, %d warnings",
		rep.Summary.Images, rep.Summary.Labelled, rep.Summary.Unlabelled, rep.Summary.Boxes, rep.Errors(), rep.Warnings()))
	w.list.Refresh()
	w.view.Refresh() // class colours now follow the class list
}

func itemState(it voc.Item, bad map[string]voc.Severity) string {
	switch {
	case bad[it.XML] == voc.SevError || bad[it.Image] == voc.SevError:
		return "error"
	case it.Image == "":
		return "no image"
	case it.XML == "":
		return "unlabelled"
	case bad[it.XML] == voc.SevWarning || bad[it.Image] == voc.SevWarning:
		return "warning"
	}
	return "labelled"
}

func (w *Window) count() int {
	if w.ds == nil {
		return 0
	}
	return len(w.ds.Items)
}

func (w *Window) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	it := w.ds.Items[id]
	name := it.ID
	if it.Image != "" {
		name = filepath.Base(it.Image)
	}
	o.(*widget.Label).SetText(fmt.Sprintf("%s   %s", name, w.state[id]))
}

// show loads an item's image and boxes off the UI goroutine.
func (w *Window) show(id int) {
	if w.ds == nil || id < 0 || id >= len(w.ds.Items) {
		return
	}
	w.sel = id
	w.loading++
	gen, it := w.loading, w.ds.Items[id]
	go func() {
		img, boxes, err := loadItem(it)
		fyne.Do(func() {
			if gen != w.loading {
				return
			}
			w.view.Set(img, boxes)
			if err != nil {
				w.status.SetText(err.Error())
			}
		})
	}()
}

func loadItem(it voc.Item) (image.Image, []voc.Object, error) {
	var img image.Image
	if it.Image != "" {
		f, err := os.Open(it.Image)
		if err != nil {
			return nil, nil, err
		}
		img, _, err = image.Decode(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", it.Image, err)
		}
	}
	if it.XML == "" {
		return img, nil, nil
	}
	a, err := voc.LoadAnnotation(it.XML)
	if err != nil {
		return img, nil, err
	}
	return img, a.Objects, nil
}

func (w *Window) classColor(name string) imageColor {
	var classes []string
	if w.report != nil {
		classes = w.report.Classes
	}
	return ClassColor(classes, name)
}
