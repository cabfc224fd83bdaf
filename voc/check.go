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
	add := func(sev Severity, code, file string, obj int, fixable bool, format string, args ...any) {
		r.issues = append(r.issues, Issue{Severity: sev, Code: code, File: file, Object: obj,
			Fixable: fixable, Message: fmt.Sprintf(format, args...)})
	}
	if it.Image != "" {
		info, err := fr.imageInfo(it.Image)
		switch {
		case err != nil:
			add(SevError, "image-unreadable", it.Image, 0, false, "cannot read image: %v", err)
		case !info.Supported():
			add(SevError, "image-format", it.Image, 0, false, "%s image: the trainers read JPEG, PNG and BMP only", strings.ToUpper(info.Format))
		default:
			r.info, r.hasImg = info, true
			if want := ExtFormat(filepath.Ext(it.Image)); want != info.Format {
				add(SevWarning, "image-extension", it.Image, 0, false, "%s data in a %s file; rename it", strings.ToUpper(info.Format), filepath.Ext(it.Image))
			}
			if info.Truncated {
				add(SevError, "image-truncated", it.Image, 0, false, "image is truncated (no end marker): the file was cut short")
			}
			if info.Unsupported != nil {
				add(SevError, "image-unsupported", it.Image, 0, false, "%v: the trainers cannot read it; save it again as an ordinary JPEG or PNG", info.Unsupported)
			}
			var tooLarge *pix.TooLargeError
			switch err := pix.CheckSize(info.Width, info.Height); {
			case errors.As(err, &tooLarge):
				add(SevError, "image-too-large", it.Image, 0, false, "%v", err)
			case err != nil:
				add(SevError, "image-unreadable", it.Image, 0, false, "image header gives size %dx%d", info.Width, info.Height)
				r.hasImg = false
			case int64(info.Width)*int64(info.Height) > pix.WarnPixels:
				add(SevWarning, "image-large", it.Image, 0, false, "%dx%d is %s, over the %s at which PIL warns of a decompression bomb; decoding it takes %.1f GB",
					info.Width, info.Height, pix.Megapixels(int64(info.Width)*int64(info.Height)), pix.Megapixels(pix.WarnPixels), float64(info.Width)*float64(info.Height)*4/1e9)
			}
			if deep && !info.Truncated && info.Unsupported == nil && tooLarge == nil && r.hasImg {
				if _, err := pix.Decode(it.Image); err != nil {
					add(SevError, "image-corrupt", it.Image, 0, false, "%s", strings.TrimPrefix(err.Error(), it.Image+": "))
				}
			}
			switch {
			case info.Channels <= 2:
				add(SevWarning, "image-grayscale", it.Image, 0, false, "greyscale image: converted to RGB for training")
			case info.Channels == 4 && info.Format == "jpeg":
				add(SevWarning, "image-cmyk", it.Image, 0, false, "CMYK JPEG: converted to RGB for training; colours may shift")
			case info.Channels == 4:
				add(SevWarning, "image-alpha", it.Image, 0, false, "image has an alpha channel: dropped for training")
			}
			if info.Orientation != 1 {
				add(SevWarning, "exif-orientation", it.Image, 0, false,
					"EXIF orientation %d (%s): boxes are in stored-pixel coordinates, as the trainers read them, so label the photo as stored even if viewers show it turned",
					info.Orientation, orientationName(info.Orientation))
			}
		}
	}
	if it.XML == "" {
		return r
	}
	a, err := fr.annotation(it.XML)
	if err != nil {
		iss := Issue{Severity: SevError, Code: "xml-invalid", File: it.XML, Message: strings.TrimPrefix(err.Error(), it.XML+": ")}
		var se *SyntaxError
		if errors.As(err, &se) {
			iss.Line = se.Line
			iss.Message = "XML does not parse: " + se.Msg
		}
		r.issues = append(r.issues, iss)
		return r
	}
	r.ann = a
	if it.Image == "" {
		add(SevError, "image-missing", it.XML, 0, false, "no image named %s.{jpg,jpeg,png,bmp} for this annotation", it.ID)
	} else if a.Filename != "" {
		base := filepath.Base(it.Image)
		if a.Filename != base && a.Filename != strings.TrimSuffix(base, filepath.Ext(base)) {
			add(SevWarning, "filename-mismatch", it.XML, 0, false, "<filename> says %q but the image is %q", a.Filename, base)
		}
	}
	w, h := a.Width, a.Height
	if r.hasImg {
		iw, ih := r.info.Width, r.info.Height
		switch {
		case a.Width <= 0 || a.Height <= 0:
			add(SevWarning, "size-missing", it.XML, 0, true, "<size> is missing or zero; the image is %dx%d", iw, ih)
		case a.Width != iw || a.Height != ih:
			if a.Width == ih && a.Height == iw && r.info.Orientation >= 5 {
				add(SevError, "size-rotated", it.XML, 0, false,
					"<size> %dx%d is the EXIF-rotated size of the %dx%d stored image: the boxes may have been drawn on the turned photo; review them in the editor",
					a.Width, a.Height, iw, ih)
			} else {
				add(SevError, "size-mismatch", it.XML, 0, true, "<size> says %dx%d but the image is %dx%d", a.Width, a.Height, iw, ih)
			}
		}
		w, h = iw, ih
	} else if a.Width <= 0 || a.Height <= 0 {
		add(SevWarning, "size-missing", it.XML, 0, false, "<size> is missing or zero")
	}
	for i, o := range a.Objects {
		n := i + 1
		b := o.Box
		if known != nil && !known[o.Name] {
			add(SevError, "class-unknown", it.XML, n, false, "class %q is not in classes.txt", o.Name)
		}
		if b.Xmin >= b.Xmax || b.Ymin >= b.Ymax {
			add(SevError, "box-degenerate", it.XML, n, false, "box (%g,%g)-(%g,%g) has no area (min >= max)", b.Xmin, b.Ymin, b.Xmax, b.Ymax)
			continue
		}
		if w > 0 && h > 0 && (b.Xmin < 0 || b.Ymin < 0 || b.Xmax > float64(w) || b.Ymax > float64(h)) {
			c := clampBox(b, w, h)
			add(SevError, "box-outside", it.XML, n, c.Xmin < c.Xmax && c.Ymin < c.Ymax,
				"box (%g,%g)-(%g,%g) reaches outside the %dx%d image", b.Xmin, b.Ymin, b.Xmax, b.Ymax, w, h)
		}
		if b.W() < 4 || b.H() < 4 {
			add(SevWarning, "box-tiny", it.XML, n, false, "box is %gx%g px (under 4 px): too small to learn from", b.W(), b.H())
		}
		for j := 0; j < i; j++ {
			if p := a.Objects[j]; p.Name == o.Name && p.Box.IoU(b) > 0.95 {
				add(SevWarning, "box-duplicate", it.XML, n, false, "duplicates object %d (%s, IoU %.2f)", j+1, o.Name, p.Box.IoU(b))
				break
			}
		}
	}
	return r
}

func clampBox(b Box, w, h int) Box {
	clamp := func(v, hi float64) float64 { return max(0, min(v, hi)) }
	return Box{clamp(b.Xmin, float64(w)), clamp(b.Ymin, float64(h)), clamp(b.Xmax, float64(w)), clamp(b.Ymax, float64(h))}
}

func orientationName(o int) string {
	return [...]string{"", "normal", "mirrored", "rotated 180°", "mirrored vertically",
		"mirrored and rotated 90° CW", "rotated 90° CW", "mirrored and rotated 90° CCW", "rotated 90° CCW"}[o]
}
