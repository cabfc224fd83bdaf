package voc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// field is one element's text as etree's Element.Text would give it, and
// whether the element was there at all.
type field struct {
	s  string
	ok bool
}

// rawAnnotation holds a VOC file's fields as text. Both readers fill one
// (from a tree, or straight from tokens) and build() turns it into an
// Annotation, so they validate alike.
type rawAnnotation struct {
	root                    string
	verified                string
	prelabelled             string
	folder, filename, path  field
	hasSize                 bool
	width, height, depthVal field
	objects                 []rawObject
}

type rawObject struct {
	name, pose, truncated, difficult field
	hasBnd                           bool
	coords                           [4]field // xmin, ymin, xmax, ymax
}

var coordTags = [4]string{"xmin", "ymin", "xmax", "ymax"}

func (r *rawAnnotation) build() (*Annotation, error) {
	if r.root != "annotation" {
		return nil, &FieldError{Msg: fmt.Sprintf("root element is <%s>, want <annotation>", r.root)}
	}
	a := &Annotation{Folder: r.folder.s, Filename: r.filename.s, Path: r.path.s, Verified: r.verified == "yes", Prelabelled: r.prelabelled}
	var err error
	if r.hasSize {
		for _, f := range []struct {
			tag string
			f   field
			dst *int
		}{{"width", r.width, &a.Width}, {"height", r.height, &a.Height}, {"depth", r.depthVal, &a.Depth}} {
			if *f.dst, err = sizeValue(f.tag, f.f.s); err != nil {
				return nil, err
			}
		}
	}
	a.Objects = make([]Object, 0, len(r.objects))
	for i := range r.objects {
		o, err := r.objects[i].build()
		if err != nil {
			return nil, &FieldError{Msg: fmt.Sprintf("object %d: %v", i+1, err)}
		}
		a.Objects = append(a.Objects, o)
	}
	return a, nil
}

func (ro *rawObject) build() (Object, error) {
	o := Object{Name: strings.TrimSpace(ro.name.s), Pose: ro.pose.s,
		Truncated: flagText(ro.truncated.s), Difficult: flagText(ro.difficult.s)}
	if o.Name == "" {
		return o, errors.New("no <name>")
	}
	if !ro.hasBnd {
		return o, fmt.Errorf("%q has no <bndbox>", o.Name)
	}
	dst := [4]*float64{&o.Box.Xmin, &o.Box.Ymin, &o.Box.Xmax, &o.Box.Ymax}
	for k, f := range ro.coords {
		if !f.ok {
			return o, fmt.Errorf("%q: <bndbox> has no <%s>", o.Name, coordTags[k])
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(f.s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return o, fmt.Errorf("%q: <%s> %q is not a number", o.Name, coordTags[k], f.s)
		}
		*dst[k] = v
	}
	return o, nil
}

func sizeValue(tag, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1<<30 {
		return 0, &FieldError{Msg: fmt.Sprintf("<size><%s> %q is not a size", tag, s)}
	}
	return int(v), nil
}

func treeField(e *etree.Element, tag string) field {
	if c := e.SelectElement(tag); c != nil {
		return field{c.Text(), true}
	}
	return field{}
}

// rawFromTree reads the fields the way the rest of etree code sees them:
// the first child of each name, its leading text.
func rawFromTree(doc *etree.Document) (*rawAnnotation, []*etree.Element) {
	r := &rawAnnotation{}
	root := doc.Root()
	if root == nil {
		return r, nil
	}
	r.root = root.Tag
	r.verified = root.SelectAttrValue("verified", "")
	r.prelabelled = root.SelectAttrValue(prelabelledAttr, "")
	r.folder, r.filename, r.path = treeField(root, "folder"), treeField(root, "filename"), treeField(root, "path")
	if size := root.SelectElement("size"); size != nil {
		r.hasSize = true
		r.width, r.height, r.depthVal = treeField(size, "width"), treeField(size, "height"), treeField(size, "depth")
	}
	elems := root.SelectElements("object")
	for _, oe := range elems {
		ro := rawObject{name: treeField(oe, "name"), pose: treeField(oe, "pose"),
			truncated: treeField(oe, "truncated"), difficult: treeField(oe, "difficult")}
		if bb := oe.SelectElement("bndbox"); bb != nil {
			ro.hasBnd = true
			for k, t := range coordTags {
				ro.coords[k] = treeField(bb, t)
			}
		}
		r.objects = append(r.objects, ro)
	}
	return r, elems
}

// Element kinds vocSink tracks.
const (
	kIgnore = iota
	kRoot
	kField
	kSize
	kObject
	kBndbox
)

type sinkFrame struct {
	kind    int
	f       *field
	stopped bool // a child element or PI ended the field's leading text
}

// vocSink fills a rawAnnotation straight from tokens, with the same
// first-child and leading-text rules as rawFromTree.
type vocSink struct {
	raw      rawAnnotation
	stack    []sinkFrame
	roots    int
	rootKeys map[string]string // local name → full key of the first root attribute of that name
}

func localName(tag []byte) []byte {
	if i := bytes.IndexByte(tag, ':'); i >= 0 {
		return tag[i+1:]
	}
	return tag
}

func (s *vocSink) fieldFrame(f *field) sinkFrame {
	if f.ok {
		return sinkFrame{kind: kIgnore}
	}
	f.ok = true
	return sinkFrame{kind: kField, f: f}
}

func (s *vocSink) start(tag []byte) {
	name := localName(tag)
	if len(s.stack) == 0 {
		s.roots++
		if s.roots == 1 {
			s.raw.root = "annotation" // the usual root costs no allocation
			if string(name) != s.raw.root {
				s.raw.root = string(name)
			}
			s.stack = append(s.stack, sinkFrame{kind: kRoot})
		} else {
			s.stack = append(s.stack, sinkFrame{kind: kIgnore})
		}
		return
	}
	parent := &s.stack[len(s.stack)-1]
	fr := sinkFrame{kind: kIgnore}
	switch parent.kind {
	case kField:
		parent.stopped = true
	case kRoot:
		switch string(name) {
		case "folder":
			fr = s.fieldFrame(&s.raw.folder)
		case "filename":
			fr = s.fieldFrame(&s.raw.filename)
		case "path":
			fr = s.fieldFrame(&s.raw.path)
		case "size":
			if !s.raw.hasSize {
				s.raw.hasSize = true
				fr.kind = kSize
			}
		case "object":
			s.raw.objects = append(s.raw.objects, rawObject{})
			fr.kind = kObject
		}
	case kSize:
		switch string(name) {
		case "width":
			fr = s.fieldFrame(&s.raw.width)
		case "height":
			fr = s.fieldFrame(&s.raw.height)
		case "depth":
			fr = s.fieldFrame(&s.raw.depthVal)
		}
	case kObject:
		o := &s.raw.objects[len(s.raw.objects)-1]
		switch string(name) {
		case "name":
			fr = s.fieldFrame(&o.name)
		case "pose":
			fr = s.fieldFrame(&o.pose)
		case "truncated":
			fr = s.fieldFrame(&o.truncated)
		case "difficult":
			fr = s.fieldFrame(&o.difficult)
		case "bndbox":
			if !o.hasBnd {
				o.hasBnd = true
				fr.kind = kBndbox
			}
		}
	case kBndbox:
		o := &s.raw.objects[len(s.raw.objects)-1]
		for k, t := range coordTags {
			if string(name) == t {
				fr = s.fieldFrame(&o.coords[k])
			}
		}
	}
	s.stack = append(s.stack, fr)
}

func (s *vocSink) attr(key, val []byte) {
	// etree keeps the first attribute of a local name, with the last value
	// given to that same full key.
	if len(s.stack) != 1 || s.roots != 1 {
		return
	}
	var dst *string
	switch name := string(localName(key)); name {
	case "verified":
		dst = &s.raw.verified
	case prelabelledAttr:
		dst = &s.raw.prelabelled
	default:
		return
	}
	name := string(localName(key))
	if s.rootKeys == nil {
		s.rootKeys = map[string]string{}
	}
	if _, ok := s.rootKeys[name]; !ok {
		s.rootKeys[name] = string(key)
	}
	if string(key) == s.rootKeys[name] {
		*dst = string(val)
	}
}

func (s *vocSink) end() { s.stack = s.stack[:len(s.stack)-1] }

func (s *vocSink) text(data []byte) {
	if n := len(s.stack); n > 0 {
		if fr := &s.stack[n-1]; fr.kind == kField && !fr.stopped {
			fr.f.s += string(data)
		}
	}
}

func (s *vocSink) comment([]byte) {}

func (s *vocSink) procInst(_, _ []byte) {
	if n := len(s.stack); n > 0 && s.stack[n-1].kind == kField {
		s.stack[n-1].stopped = true
	}
}

// ScanAnnotation reads VOC XML for reading only: the same checks and
// errors as ParseAnnotation, without building a tree to save through, so
// several times faster. Dataset checks, splits and training use it.
func ScanAnnotation(data []byte) (*Annotation, error) {
	return new(vocSink).scan(data)
}

// scan is ScanAnnotation with a sink that is reset and reused: a check
// keeps one per worker for its 10,000s of files, as the Annotation built
// holds nothing of it.
func (s *vocSink) scan(data []byte) (*Annotation, error) {
	prepared, err := prepare(data)
	if err != nil {
		return nil, err
	}
	*s = vocSink{stack: s.stack[:0], raw: rawAnnotation{objects: s.raw.objects[:0]}}
	err = tokenize(prepared, s)
	if errors.Is(err, errDirective) {
		a, err := ParseAnnotation(data)
		if a != nil { // no tree, as from the scanner: nothing may point into one
			a.doc, a.elems = nil, nil
			for i := range a.Objects {
				a.Objects[i].elem = nil
			}
		}
		return a, err
	}
	if err != nil {
		return nil, err
	}
	return s.raw.build()
}
