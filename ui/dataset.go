package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/labelloop/labelloop/internal/wording"
	"github.com/labelloop/labelloop/voc"
)

// DatasetScreen is the Dataset tab: the health report as a page. Findings
// are a list; clicking one that names an image opens it in the editor.
// Boxes per class and box sizes are bar charts; the full text report
// follows.
type DatasetScreen struct {
	Content fyne.CanvasObject
	// OnOpenFile opens the image (or the image of the XML) in the editor.
	OnOpenFile func(path string)
	// Split generates train/val/test lists with a per-class preview.
	Split *SplitPanel

	summary *widget.Label
	issues  *widget.List
	list    []voc.Issue
	classes *Bars
	sizes   *Bars
	text    *widget.Label
	// findings titles the list, or says there is nothing to fix
	findings *widget.Label
}

// NewDatasetScreen builds the tab.
func NewDatasetScreen() *DatasetScreen {
	s := &DatasetScreen{summary: widget.NewLabel("Open a dataset folder."), text: widget.NewLabel("")}
	s.summary.Wrapping = fyne.TextWrapWord
	s.text.TextStyle.Monospace = true
	s.issues = widget.NewList(func() int { return len(s.list) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			is := s.list[id]
			o.(*widget.Label).SetText(fmt.Sprintf("%s  %s: %s", strings.ToUpper(string(is.Severity)), shortPath(is.File), is.Message))
			if is.Severity == voc.SevError {
				o.(*widget.Label).Importance = widget.DangerImportance
			} else {
				o.(*widget.Label).Importance = widget.WarningImportance
			}
		})
	s.issues.OnSelected = func(id widget.ListItemID) {
		if id < len(s.list) && s.OnOpenFile != nil && s.list[id].File != "" {
			s.OnOpenFile(s.list[id].File)
		}
		s.issues.UnselectAll()
	}
	s.classes = NewBars("Boxes per class", color.NRGBA{0x3b, 0x82, 0xf6, 0xff})
	s.sizes = NewBars("Box sizes (√area, px)", color.NRGBA{0x10, 0xb9, 0x81, 0xff})
	charts := container.NewGridWithColumns(2, s.classes, s.sizes)
	s.findings = widget.NewLabelWithStyle("Findings", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(s.summary, charts, s.findings)
	// the report's long monospace lines scroll instead of widening the window
	scroll := container.NewScroll(s.text)
	scroll.SetMinSize(fyne.NewSize(200, 240))
	report := widget.NewAccordion(widget.NewAccordionItem("Full report", scroll))
	s.Split = NewSplitPanel()
	left := container.NewBorder(top, report, nil, nil, s.issues)
	split := container.NewHSplit(left, container.NewPadded(s.Split.Content))
	split.Offset = 0.68
	s.Content = split
	return s
}

func shortPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return p
}

// SetReport shows a check's report.
func (s *DatasetScreen) SetReport(rep *voc.Report) {
	sum := rep.Summary
	s.summary.SetText(fmt.Sprintf("%s: %d labelled (%d verified), %d unlabelled; %s in %s. %s, %s.",
		wording.Count(sum.Images, "image", "images"), sum.Labelled, sum.Verified, sum.Unlabelled, wording.Count(sum.Boxes, "box", "boxes"),
		wording.Count(len(sum.Classes), "class", "classes"), wording.Count(rep.Errors(), "error", "errors"), wording.Count(rep.Warnings(), "warning", "warnings")))
	var names []string
	var counts []int
	for _, c := range sum.Classes {
		names, counts = append(names, c.Name), append(counts, c.Boxes)
	}
	s.classes.Set(names, counts)
	names, counts = nil, nil
	for _, b := range sum.BoxSize {
		names, counts = append(names, b.Label), append(counts, b.Count)
	}
	s.sizes.Set(names, counts)
	s.list = rep.Issues
	s.issues.Refresh()
	if len(rep.Issues) == 0 {
		s.findings.SetText("Findings: none — nothing to fix before training")
	} else {
		s.findings.SetText(fmt.Sprintf("Findings: %d (click one to open its image)", len(rep.Issues)))
	}
	var sb strings.Builder
	rep.WriteText(&sb, 500)
	s.text.SetText(sb.String())
}

// setListing gives the split panel the folder's current listing.
func (s *DatasetScreen) setListing(ds *voc.Dataset) { s.Split.SetDataset(ds) }

// stale says a save changed the annotations a written split was made from.
func (s *DatasetScreen) stale() { s.Split.Stale() }
