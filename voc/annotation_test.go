package voc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParse(t *testing.T, data []byte) *Annotation {
	t.Helper()
	a, err := ParseAnnotation(data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestLabelImgRoundTripUnchanged(t *testing.T) {
	in, err := os.ReadFile("testdata/labelimg.xml")
	if err != nil {
		t.Fatal(err)
	}
	a := mustParse(t, in)
	if !a.Verified || a.Width != 640 || a.Height != 480 || a.Depth != 3 || len(a.Objects) != 2 {
		t.Fatalf("parsed %+v", a)
	}
	o := a.Objects[0]
	if o.Name != "cat" || !o.Truncated || o.Difficult || o.Box != (Box{12, 30, 300.5, 470}) {
		t.Fatalf("object 0 = %+v", o)
	}
	if !a.Objects[1].Difficult || a.Objects[1].Pose != "Left" {
		t.Fatalf("object 1 = %+v", a.Objects[1])
	}
	out, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, out) {
		t.Fatalf("round trip changed the file:\n%s", out)
	}
}

func TestEditKeepsUnknownFields(t *testing.T) {
	in, _ := os.ReadFile("testdata/labelimg.xml")
	a := mustParse(t, in)
	a.Objects[0].Box.Xmax = 310.4 // moved: written as an integer
	a.Objects = append(a.Objects, Object{Name: "bird", Box: Box{1, 2, 30, 40}})
	a.Objects = append(a.Objects[:1], a.Objects[2], a.Objects[1]) // reorder
	a.Verified = false
	out, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"<occluded>1</occluded>", `<attributes note="keep me">Tom &amp; Jerry's</attributes>`,
		"<xmax>310</xmax>", "<xmin>12</xmin>", "<pose>Left</pose>",
		"\t<object>\n\t\t<name>bird</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>1</xmin>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if strings.Contains(s, "verified") {
		t.Error("verified attribute kept after unverifying")
	}
	if i, j := strings.Index(s, "bird"), strings.Index(s, "dog"); i > j {
		t.Error("objects not written in the edited order")
	}
	b := mustParse(t, out)
	if len(b.Objects) != 3 || b.Objects[1].Name != "bird" || b.Objects[2].Name != "dog" {
		t.Fatalf("re-read %+v", b.Objects)
	}
}

func TestDuplicatedObjectGetsOwnElement(t *testing.T) {
	in, _ := os.ReadFile("testdata/labelimg.xml")
	a := mustParse(t, in)
	dup := a.Objects[0]
	dup.Box.Xmin = 50
	a.Objects = append(a.Objects, dup)
	out, _ := a.Marshal()
	b := mustParse(t, out)
	if len(b.Objects) != 3 || b.Objects[0].Box.Xmin != 12 || b.Objects[2].Box.Xmin != 50 {
		t.Fatalf("got %+v", b.Objects)
	}
	if strings.Count(string(out), "<occluded>") != 2 {
		t.Errorf("duplicate lost the unknown field:\n%s", out)
	}
}

func TestNewAnnotationHasLabelImgShape(t *testing.T) {
	a := NewAnnotation("/data/img/a.jpg", 100, 50, 3)
	a.Objects = []Object{{Name: "x", Box: Box{1.4, 2.6, 10, 20}}}
	out, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "<annotation>\n\t<folder>img</folder>\n\t<filename>a.jpg</filename>\n\t<path>/data/img/a.jpg</path>\n\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n\t<size>\n\t\t<width>100</width>\n\t\t<height>50</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n\t<object>\n\t\t<name>x</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>1</xmin>\n\t\t\t<ymin>3</ymin>\n\t\t\t<xmax>10</xmax>\n\t\t\t<ymax>20</ymax>\n\t\t</bndbox>\n\t</object>\n</annotation>\n"
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestMinimalFileStaysMinimal(t *testing.T) {
	in := []byte("<annotation>\n  <object><name>a</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>\n</annotation>")
	a := mustParse(t, in)
	out, _ := a.Marshal()
	if !bytes.Equal(in, out) {
		t.Fatalf("unedited minimal file changed:\n%s", out)
	}
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	cases := map[string]string{
		"<annotation>\n<object>\n</annotation>":                                                   "line 3",
		"<annotation><object><name>a</name></object></annotation>":                                "no <bndbox>",
		"<annotation><object><name>a</name><bndbox><xmin>x</xmin></bndbox></object></annotation>": `"x" is not a number`,
		"<foo/>":                          "want <annotation>",
		"":                                "no root element",
		"<annotation>&nope;</annotation>": "unknown entity",
		"<annotation><size><width>-3</width></size></annotation>": "not a size",
	}
	for in, want := range cases {
		_, err := ParseAnnotation([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", in, err, want)
		}
	}
	var se *SyntaxError
	_, err := ParseAnnotation([]byte("<annotation>\n\n<a></b></annotation>"))
	if !errors.As(err, &se) || se.Line != 3 {
		t.Errorf("want a SyntaxError on line 3, got %v", err)
	}
}

func TestLatin1IsRead(t *testing.T) {
	in := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<annotation><object><name>caf\xe9</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>")
	a := mustParse(t, in)
	if a.Objects[0].Name != "café" {
		t.Fatalf("name %q", a.Objects[0].Name)
	}
}

func TestSaveRefusesToOverwriteUnparseable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.xml")
	broken := []byte("<annotation><object>")
	os.WriteFile(p, broken, 0o644)
	err := SaveAnnotation(p, NewAnnotation(filepath.Join(dir, "a.jpg"), 10, 10, 3))
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, broken) {
		t.Fatal("broken file was modified")
	}
	good := filepath.Join(dir, "b.xml")
	if err := SaveAnnotation(good, NewAnnotation(filepath.Join(dir, "b.jpg"), 10, 10, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAnnotation(good); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(m) != 0 {
		t.Fatalf("temp files left: %v", m)
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.xml")
	os.WriteFile(p, []byte("<annotation>\n<size>"), 0o644)
	_, err := LoadAnnotation(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": line 2") {
		t.Fatalf("err = %v", err)
	}
}

// The pre-label mark is the root's prelabelled attribute; both readers
// (the tree and the streaming one the check uses) see it, and clearing it
// removes the attribute.
func TestPrelabelledMark(t *testing.T) {
	a := NewAnnotation("/d/a.jpg", 10, 10, 3)
	a.Prelabelled = "m.onnx"
	out, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`<annotation prelabelled="m.onnx">`)) {
		t.Fatalf("no mark in\n%s", out)
	}
	b := mustParse(t, out)
	if b.Prelabelled != "m.onnx" {
		t.Fatalf("tree reader: %q", b.Prelabelled)
	}
	c, err := ScanAnnotation(out)
	if err != nil || c.Prelabelled != "m.onnx" {
		t.Fatalf("token reader: %q %v", c.Prelabelled, err)
	}
	b.Prelabelled = ""
	out, _ = b.Marshal()
	if bytes.Contains(out, []byte("prelabelled")) {
		t.Fatalf("mark kept after clearing:\n%s", out)
	}
}
