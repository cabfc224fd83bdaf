package voc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labelloop/labelloop/internal/pix"
)

// Severity of a finding: errors break training or evaluation, warnings are
// worth a look.
type Severity string

const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Issue is one finding, always naming the file.
type Issue struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Object   int      `json:"object,omitempty"` // 1-based index in the XML
	Message  string   `json:"message"`
	Fixable  bool     `json:"fixable,omitempty"`
}

func (i Issue) String() string {
	loc := i.File
	if i.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, i.Line)
	}
	if i.Object > 0 {
		loc = fmt.Sprintf("%s (object %d)", loc, i.Object)
	}
	fix := ""
	if i.Fixable {
		fix = " [fixable with --fix]"
	}
	return fmt.Sprintf("%s: %s: %s%s", i.Severity, loc, i.Message, fix)
}

// CheckOptions tune Check.
type CheckOptions struct {
	Workers int // 0: one per CPU
	// Deep decodes every image in full, as training will, and reports any
	// whose data is damaged part-way (the default reads headers and looks
	// for the end marker: thousands of images a second, but blind to a
	// damaged middle).
	Deep bool
}

// Report is the outcome of Check.
type Report struct {
	Root        string   `json:"root"`
	Layout      Layout   `json:"layout"`
	ClassesFile string   `json:"classes_file,omitempty"` // empty when there is none
	Classes     []string `json:"classes"`
	Issues      []Issue  `json:"issues"`
	Summary     Summary  `json:"summary"`
	// Items parallels Dataset.Items: what the app's image list shows.
	Items []ItemInfo `json:"-"`
}

// ItemInfo is one item's state as the check found it.
type ItemInfo struct {
	Boxes       int
	Verified    bool
	Prelabelled bool // boxes a model wrote, not yet reviewed
	Error       bool // an error-severity finding names its image or XML
}

// Errors counts error-severity issues.
func (r *Report) Errors() int {
	n := 0
	for _, i := range r.Issues {
		if i.Severity == SevError {
			n++
		}
	}
	return n
}

// Warnings counts warning-severity issues.
func (r *Report) Warnings() int { return len(r.Issues) - r.Errors() }

// itemResult is what checking one item yields, kept per index so that the
// report's order never depends on scheduling.
type itemResult struct {
	issues []Issue
	ann    *Annotation
	info   ImageInfo
	hasImg bool
}

// Check validates every image and annotation of a dataset and summarises
// it. Images are read only as far as their headers.
func Check(ds *Dataset, opt CheckOptions) (*Report, error) {
	rep := &Report{Root: ds.Root, Layout: ds.Layout}
	var known map[string]bool
	if p := ds.ClassesPath(); fileExists(p) {
		classes, err := ReadClasses(p)
		if err != nil {
			return nil, err
		}
		rep.ClassesFile = p
		rep.Classes = classes
		known = make(map[string]bool, len(classes))
		for _, c := range classes {
			known[c] = true
		}
	}
	results := make([]itemResult, len(ds.Items))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Workers take the next batch from a shared counter (a channel costs a
	// futex wake-up per hand-off) and read a batch's files together.
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newFileReader(ds.ImageDir, ds.AnnDir)
			defer r.close()
			pf := newPrefetcher(r, batchItems)
			defer pf.close()
			for {
				start := int(next.Add(batchItems) - batchItems)
				if start >= len(ds.Items) {
					return
				}
				batch := ds.Items[start:min(start+batchItems, len(ds.Items))]
				if pf == nil {
					for k, it := range batch {
						results[start+k] = checkItem(it, known, r, opt.Deep)
					}
					continue
				}
				pf.load(batch)
				for k, it := range batch {
					results[start+k] = checkItem(it, known, pf.view(k), opt.Deep)
				}
			}
		}()
	}
	wg.Wait()

	for _, p := range ds.Ambiguous {
		rep.Issues = append(rep.Issues, Issue{Severity: SevWarning, Code: "image-name-clash", File: p,
			Message: "another image has the same base name; only one can be paired with its XML"})
	}
	var found []string
	for i := range results {
		rep.Issues = append(rep.Issues, results[i].issues...)
		if a := results[i].ann; a != nil {
			for _, o := range a.Objects {
				found = append(found, o.Name)
			}
		}
	}
	rep.Classes = MergeClasses(rep.Classes, found)
	rep.Items = make([]ItemInfo, len(results))
	for i := range results {
		if a := results[i].ann; a != nil {
			rep.Items[i].Boxes, rep.Items[i].Verified, rep.Items[i].Prelabelled = len(a.Objects), a.Verified, a.Prelabelled != ""
		}
		for _, is := range results[i].issues {
			if is.Severity == SevError {
				rep.Items[i].Error = true
			}
		}
	}
	rep.Summary = summarize(ds, results, rep.Classes)
	return rep, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// batchItems is how many items a worker reads at once.
const batchItems = 32

func checkItem(it Item, known map[string]bool, fr itemSource, deep bool) itemResult {
	var r itemResult
	if it.Image != "" {
		r.checkImage(it.Image, fr, deep)
	}
	if it.XML == "" {
		return r
	}
	a, err := fr.annotation(it.XML)
	if err != nil {
		r.issues = append(r.issues, xmlIssue(it.XML, err))
		return r
	}
	r.ann = a
	r.checkImageName(it, a)
	w, h := r.checkSize(it.XML, a)
	r.checkObjects(it.XML, a, known, w, h)
	return r
}

// add records an issue of the item.
func (r *itemResult) add(sev Severity, code, file string, obj int, fixable bool, format string, args ...any) {
	r.issues = append(r.issues, Issue{Severity: sev, Code: code, File: file, Object: obj,
		Fixable: fixable, Message: fmt.Sprintf(format, args...)})
}

// checkImage reads an image's header (and with deep, decodes it) and
// records what the trainers cannot read or will change.
func (r *itemResult) checkImage(path string, fr itemSource, deep bool) {
	info, err := fr.imageInfo(path)
	switch {
	case err != nil:
		r.add(SevError, "image-unreadable", path, 0, false, "cannot read image: %v", err)
		return
	case !info.Supported():
		r.add(SevError, "image-format", path, 0, false, "%s image: the trainers read JPEG, PNG and BMP only", strings.ToUpper(info.Format))
		return
	}
	r.info, r.hasImg = info, true
	if want := ExtFormat(filepath.Ext(path)); want != info.Format {
		r.add(SevWarning, "image-extension", path, 0, false, "%s data in a %s file; rename it", strings.ToUpper(info.Format), filepath.Ext(path))
	}
	if info.Truncated {
		r.add(SevError, "image-truncated", path, 0, false, "image is truncated (no end marker): the file was cut short")
	}
	if info.Unsupported != nil {
		r.add(SevError, "image-unsupported", path, 0, false, "%v: the trainers cannot read it; save it again as an ordinary JPEG or PNG", info.Unsupported)
	}
	tooLarge := r.checkPixels(path, info)
	if deep && !info.Truncated && info.Unsupported == nil && !tooLarge && r.hasImg {
		if _, err := pix.Decode(path); err != nil {
			r.add(SevError, "image-corrupt", path, 0, false, "%s", strings.TrimPrefix(err.Error(), path+": "))
		}
	}
	r.checkColour(path, info)
}

// checkPixels checks an image's size against what can be decoded; it
// reports whether the image is too large to decode.
func (r *itemResult) checkPixels(path string, info ImageInfo) (tooLarge bool) {
	var tl *pix.TooLargeError
	switch err := pix.CheckSize(info.Width, info.Height); {
	case errors.As(err, &tl):
		r.add(SevError, "image-too-large", path, 0, false, "%v", err)
		return true
	case err != nil:
		r.add(SevError, "image-unreadable", path, 0, false, "image header gives size %dx%d", info.Width, info.Height)
		r.hasImg = false
	case int64(info.Width)*int64(info.Height) > pix.WarnPixels:
		r.add(SevWarning, "image-large", path, 0, false, "%dx%d is %s, over the %s at which PIL warns of a decompression bomb; decoding it takes %.1f GB",
			info.Width, info.Height, pix.Megapixels(int64(info.Width)*int64(info.Height)), pix.Megapixels(pix.WarnPixels), float64(info.Width)*float64(info.Height)*4/1e9)
	}
	return false
}

// checkColour warns of the conversions the trainers make: channels and
// EXIF orientation.
func (r *itemResult) checkColour(path string, info ImageInfo) {
	switch {
	case info.Channels <= 2:
		r.add(SevWarning, "image-grayscale", path, 0, false, "greyscale image: converted to RGB for training")
	case info.Channels == 4 && info.Format == "jpeg":
		r.add(SevWarning, "image-cmyk", path, 0, false, "CMYK JPEG: converted to RGB for training; colours may shift")
	case info.Channels == 4:
		r.add(SevWarning, "image-alpha", path, 0, false, "image has an alpha channel: dropped for training")
	}
	if info.Orientation != 1 {
		r.add(SevWarning, "exif-orientation", path, 0, false,
			"EXIF orientation %d (%s): boxes are in stored-pixel coordinates, as the trainers read them, so label the photo as stored even if viewers show it turned",
			info.Orientation, orientationName(info.Orientation))
	}
}

// xmlIssue is the issue of an annotation that cannot be read, with the
// line of a syntax error.
func xmlIssue(path string, err error) Issue {
	iss := Issue{Severity: SevError, Code: "xml-invalid", File: path, Message: strings.TrimPrefix(err.Error(), path+": ")}
	var se *SyntaxError
	if errors.As(err, &se) {
		iss.Line = se.Line
		iss.Message = "XML does not parse: " + se.Msg
	}
	return iss
}

// checkImageName checks that the annotation has an image and that its
// <filename> names it.
func (r *itemResult) checkImageName(it Item, a *Annotation) {
	if it.Image == "" {
		r.add(SevError, "image-missing", it.XML, 0, false, "no image named %s.{jpg,jpeg,png,bmp} for this annotation", it.ID)
	} else if a.Filename != "" {
		base := filepath.Base(it.Image)
		if a.Filename != base && a.Filename != strings.TrimSuffix(base, filepath.Ext(base)) {
			r.add(SevWarning, "filename-mismatch", it.XML, 0, false, "<filename> says %q but the image is %q", a.Filename, base)
		}
	}
}

// checkSize compares <size> with the image's; it returns the size boxes
// are checked against (the image's when it was read).
func (r *itemResult) checkSize(path string, a *Annotation) (w, h int) {
	if !r.hasImg {
		if a.Width <= 0 || a.Height <= 0 {
			r.add(SevWarning, "size-missing", path, 0, false, "<size> is missing or zero")
		}
		return a.Width, a.Height
	}
	iw, ih := r.info.Width, r.info.Height
	switch {
	case a.Width <= 0 || a.Height <= 0:
		r.add(SevWarning, "size-missing", path, 0, true, "<size> is missing or zero; the image is %dx%d", iw, ih)
	case iw != ih && a.Width == ih && a.Height == iw && r.info.Orientation >= 5: // sides swapped by an EXIF turn
		r.add(SevError, "size-rotated", path, 0, false,
			"<size> %dx%d is the EXIF-rotated size of the %dx%d stored image: the boxes may have been drawn on the turned photo; review them in the editor",
			a.Width, a.Height, iw, ih)
	case a.Width != iw || a.Height != ih:
		r.add(SevError, "size-mismatch", path, 0, true, "<size> says %dx%d but the image is %dx%d", a.Width, a.Height, iw, ih)
	}
	return iw, ih
}

// checkObjects checks each object's class and box against a w×h image.
func (r *itemResult) checkObjects(path string, a *Annotation, known map[string]bool, w, h int) {
	for i, o := range a.Objects {
		n := i + 1
		b := o.Box
		if known != nil && !known[o.Name] {
			r.add(SevError, "class-unknown", path, n, false, "class %q is not in classes.txt", o.Name)
		}
		if b.Xmin >= b.Xmax || b.Ymin >= b.Ymax {
			r.add(SevError, "box-degenerate", path, n, false, "box (%g,%g)-(%g,%g) has no area (min >= max)", b.Xmin, b.Ymin, b.Xmax, b.Ymax)
			continue
		}
		if w > 0 && h > 0 && (b.Xmin < 0 || b.Ymin < 0 || b.Xmax > float64(w) || b.Ymax > float64(h)) {
			c := clampBox(b, w, h)
			r.add(SevError, "box-outside", path, n, c.Xmin < c.Xmax && c.Ymin < c.Ymax,
				"box (%g,%g)-(%g,%g) reaches outside the %dx%d image", b.Xmin, b.Ymin, b.Xmax, b.Ymax, w, h)
		}
		if b.W() < 4 || b.H() < 4 {
			r.add(SevWarning, "box-tiny", path, n, false, "box is %gx%g px (under 4 px): too small to learn from", b.W(), b.H())
		}
		for j := 0; j < i; j++ {
			if p := a.Objects[j]; p.Name == o.Name && p.Box.IoU(b) > 0.95 {
				r.add(SevWarning, "box-duplicate", path, n, false, "duplicates object %d (%s, IoU %.2f)", j+1, o.Name, p.Box.IoU(b))
				break
			}
		}
	}
}

func clampBox(b Box, w, h int) Box {
	clamp := func(v, hi float64) float64 { return max(0, min(v, hi)) }
	return Box{clamp(b.Xmin, float64(w)), clamp(b.Ymin, float64(h)), clamp(b.Xmax, float64(w)), clamp(b.Ymax, float64(h))}
}

func orientationName(o int) string {
	return [...]string{"", "normal", "mirrored", "rotated 180°", "mirrored vertically",
		"mirrored and rotated 90° CW", "rotated 90° CW", "mirrored and rotated 90° CCW", "rotated 90° CCW"}[o]
}
