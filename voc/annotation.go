package voc

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Box is a bounding box in stored-pixel coordinates, VOC convention
// (xmin, ymin inclusive; xmax, ymax the far edge). Floats while editing;
// written as integers.
type Box struct {
	Xmin, Ymin, Xmax, Ymax float64
}

// W and H are the box's width and height.
func (b Box) W() float64 { return b.Xmax - b.Xmin }
func (b Box) H() float64 { return b.Ymax - b.Ymin }

// IoU is intersection over union; 0 for degenerate boxes.
func (b Box) IoU(o Box) float64 {
	iw := math.Min(b.Xmax, o.Xmax) - math.Max(b.Xmin, o.Xmin)
	ih := math.Min(b.Ymax, o.Ymax) - math.Max(b.Ymin, o.Ymin)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	union := b.W()*b.H() + o.W()*o.H() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// Object is one labelled box. Elements of its XML that are not modelled
// (occluded, attributes, custom fields) ride along in elem.
type Object struct {
	Name      string
	Pose      string
	Truncated bool
	Difficult bool
	Box       Box

	elem *etree.Element
}

// Annotation is one VOC XML file. It keeps the parsed tree so that saving
// changes only what was edited.
type Annotation struct {
	Folder   string
	Filename string
	Path     string
	Width    int
	Height   int
	Depth    int
	Verified bool
	// Prelabelled names the model whose detections these boxes are, until
	// a person edits or verifies them (the root's prelabelled attribute;
	// LabelImg ignores it).
	Prelabelled string
	Objects     []Object

	doc   *etree.Document
	elems []*etree.Element // object elements as parsed, in order
}

// NewAnnotation starts an annotation for an image, shaped as LabelImg writes it.
func NewAnnotation(imagePath string, width, height, depth int) *Annotation {
	abs := imagePath
	if a, err := filepath.Abs(imagePath); err == nil {
		abs = a
	}
	return &Annotation{
		Folder:   filepath.Base(filepath.Dir(abs)),
		Filename: filepath.Base(abs),
		Path:     abs,
		Width:    width,
		Height:   height,
		Depth:    depth,
	}
}

// prelabelledAttr is the root attribute that marks boxes a model wrote.
const prelabelledAttr = "prelabelled"

// FieldError reports VOC content that parses as XML but makes no sense.
type FieldError struct {
	Line int // 0 when unknown
	Msg  string
}

func (e *FieldError) Error() string { return e.Msg }

// ParseAnnotation reads VOC XML from memory, keeping the tree so that a
// later Marshal changes only what was edited.
func ParseAnnotation(data []byte) (*Annotation, error) {
	doc, err := parseXML(data)
	if err != nil {
		return nil, err
	}
	raw, elems := rawFromTree(doc)
	a, err := raw.build()
	if err != nil {
		return nil, err
	}
	a.doc = doc
	for i := range a.Objects {
		a.Objects[i].elem = elems[i]
	}
	a.elems = elems
	return a, nil
}

func flagText(s string) bool {
	s = strings.TrimSpace(s)
	if s == "true" || s == "yes" {
		return true
	}
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && v != 0
}

func intField(parent *etree.Element, tag string) (int, error) {
	el := parent.SelectElement(tag)
	if el == nil {
		return 0, nil
	}
	return sizeValue(tag, el.Text())
}

// LoadAnnotation reads a VOC XML file. Errors name the file and, for
// malformed XML, the line.
func LoadAnnotation(path string) (*Annotation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := ParseAnnotation(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Marshal renders the annotation. An annotation that was parsed keeps every
// element and attribute it does not model, and an unedited one comes out
// byte for byte as it went in (for files in LabelImg's shape).
func (a *Annotation) Marshal() ([]byte, error) {
	doc := a.doc
	if doc == nil {
		doc = a.skeleton()
	}
	root := doc.Root()
	changedShape := a.doc == nil
	if a.Verified {
		if root.SelectAttrValue("verified", "") != "yes" {
			root.CreateAttr("verified", "yes")
		}
	} else if root.RemoveAttr("verified") != nil {
		changedShape = true
	}
	if a.Prelabelled != "" {
		if root.SelectAttrValue(prelabelledAttr, "") != a.Prelabelled {
			root.CreateAttr(prelabelledAttr, a.Prelabelled)
		}
	} else if root.RemoveAttr(prelabelledAttr) != nil {
		changedShape = true
	}
	changedShape = setOptional(root, "folder", a.Folder) || changedShape
	changedShape = setOptional(root, "filename", a.Filename) || changedShape
	changedShape = setOptional(root, "path", a.Path) || changedShape
	size := root.SelectElement("size")
	if size == nil && (a.Width != 0 || a.Height != 0) {
		size = insertAfter(root, "size", "source", "path", "filename")
		changedShape = true
	}
	if size != nil {
		for _, f := range []struct {
			tag string
			v   int
		}{{"width", a.Width}, {"height", a.Height}, {"depth", a.Depth}} {
			cur, err := intField(size, f.tag)
			if err != nil || cur != f.v || size.SelectElement(f.tag) == nil {
				changedShape = setText(size, f.tag, strconv.Itoa(f.v)) || changedShape
			}
		}
	}
	changedShape = a.syncObjects(root) || changedShape
	if changedShape {
		doc.IndentTabs()
	}
	doc.WriteSettings.CanonicalText = true // as lxml (LabelImg) writes text
	doc.WriteSettings.CanonicalAttrVal = true
	a.doc = doc
	return doc.WriteToBytes()
}

// syncObjects writes Objects into the tree, reusing each object's element so
// its unknown children survive. It reports whether elements were added,
// removed or reordered.
func (a *Annotation) syncObjects(root *etree.Element) bool {
	used := make(map[*etree.Element]bool, len(a.Objects))
	elems := make([]*etree.Element, len(a.Objects))
	changed := len(a.Objects) != len(a.elems)
	for i := range a.Objects {
		o := &a.Objects[i]
		e := o.elem
		switch {
		case e == nil:
			e = etree.NewElement("object")
		case used[e]: // a duplicated object: copy so both keep the extra fields
			e = e.Copy()
		}
		used[e] = true
		if o.elem != e {
			changed = true
		}
		if e.Parent() != nil && e.Parent() != root {
			changed = true
		}
		if writeObject(e, o, o.elem == nil) {
			changed = true
		}
		o.elem = e
		elems[i] = e
		if i < len(a.elems) && a.elems[i] != e {
			changed = true
		}
	}
	if !changed {
		return false
	}
	insertAt := -1
	for _, e := range root.SelectElements("object") {
		if insertAt < 0 {
			insertAt = e.Index()
		}
		root.RemoveChild(e)
	}
	if insertAt < 0 || insertAt > len(root.Child) {
		insertAt = len(root.Child)
	}
	for i, e := range elems {
		root.InsertChildAt(insertAt+i, e)
	}
	a.elems = elems
	return true
}

// writeObject updates an object element. Optional fields missing from a
// parsed file are only added when they carry something; fresh elements get
// LabelImg's full shape. It reports whether an element was created.
func writeObject(e *etree.Element, o *Object, fresh bool) bool {
	created := setText(e, "name", o.Name)
	pose := o.Pose
	if pose == "" && fresh {
		pose = "Unspecified"
	}
	if pose != "" || e.SelectElement("pose") != nil {
		created = setText(e, "pose", pose) || created
	}
	created = setFlag(e, "truncated", o.Truncated, fresh) || created
	created = setFlag(e, "difficult", o.Difficult, fresh) || created
	bb := e.SelectElement("bndbox")
	if bb == nil {
		bb = e.CreateElement("bndbox")
		created = true
	}
	for _, f := range []struct {
		tag string
		v   float64
	}{{"xmin", o.Box.Xmin}, {"ymin", o.Box.Ymin}, {"xmax", o.Box.Xmax}, {"ymax", o.Box.Ymax}} {
		if el := bb.SelectElement(f.tag); el != nil {
			if cur, err := strconv.ParseFloat(strings.TrimSpace(el.Text()), 64); err == nil && cur == f.v {
				continue // keep the file's own spelling of an unchanged value
			}
		}
		created = setText(bb, f.tag, strconv.Itoa(int(math.Round(f.v)))) || created
	}
	return created
}

func setFlag(e *etree.Element, tag string, v, fresh bool) bool {
	el := e.SelectElement(tag)
	if el != nil && flagText(el.Text()) == v || el == nil && !v && !fresh {
		return false
	}
	s := "0"
	if v {
		s = "1"
	}
	return setText(e, tag, s)
}

// setText sets a child's text, creating the child if needed; it reports
// whether an element was created.
func setText(parent *etree.Element, tag, text string) bool {
	el := parent.SelectElement(tag)
	if el != nil {
		if el.Text() != text {
			el.SetText(text)
		}
		return false
	}
	el = parent.CreateElement(tag)
	el.SetText(text)
	return true
}

// setOptional is setText for fields a file may leave out: a missing one is
// only created when it has something to say.
func setOptional(parent *etree.Element, tag, text string) bool {
	if text == "" && parent.SelectElement(tag) == nil {
		return false
	}
	return setText(parent, tag, text)
}

// insertAfter creates an element after the first of the named siblings
// that exists, so new fields land where LabelImg puts them.
func insertAfter(parent *etree.Element, tag string, after ...string) *etree.Element {
	el := etree.NewElement(tag)
	for _, a := range after {
		if sib := parent.SelectElement(a); sib != nil {
			parent.InsertChildAt(sib.Index()+1, el)
			return el
		}
	}
	parent.AddChild(el)
	return el
}

// skeleton is the element order LabelImg writes.
func (a *Annotation) skeleton() *etree.Document {
	doc := etree.NewDocument()
	root := doc.CreateElement("annotation")
	root.CreateElement("folder")
	root.CreateElement("filename")
	root.CreateElement("path")
	root.CreateElement("source").CreateElement("database").SetText("Unknown")
	size := root.CreateElement("size")
	size.CreateElement("width")
	size.CreateElement("height")
	size.CreateElement("depth")
	root.CreateElement("segmented").SetText("0")
	return doc
}

// SaveAnnotation writes the annotation atomically. It refuses to replace a
// file that does not parse, since that file may hold the user's only copy of
// labels we could not read.
func SaveAnnotation(path string, a *Annotation) error {
	if old, err := os.ReadFile(path); err == nil {
		if _, perr := ParseAnnotation(old); perr != nil {
			return fmt.Errorf("refusing to overwrite %s: it does not parse (%v); fix or move it first", path, perr)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	data, err := a.Marshal()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// a folder of photos in JPEGImages/ gets its Annotations/ with the
	// first label
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}
