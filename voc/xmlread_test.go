package voc

import (
	"os"
	"reflect"
	"testing"

	"github.com/beevik/etree"
)

// The fast reader must build the tree etree's own reader builds: whatever
// it accepts, etree accepts too and writes out identically.
func FuzzParseXML(f *testing.F) {
	seed, _ := os.ReadFile("testdata/labelimg.xml")
	f.Add(seed)
	for _, s := range []string{
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotation a='1' b=\"x&amp;y\"><!-- c --><x/>t&#65;&#x42;</annotation>",
		"<!DOCTYPE a [<!ENTITY x \"y\">]><a><![CDATA[<b>]]>\r\n</a>",
		"<a:b xmlns:a=\"u\"><a:c a:d=\"1\"/></a:b>",
		"<annotation><object><name>é</name></object></annotation>",
		"<a>\r\r\n</a>", "<a x='1' x='2'/>", "<a><?pi data?></a>",
		// a directive sends ScanAnnotation to the tree reader: its objects
		// must come back without their tree elements, as scanned ones do
		"<!0><annotation><object><name>a</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>",
		"<annotation x:verified='no' verified='yes'><size><width>1<!--c-->2<b/>3</width></size><object><name>a</name><name>b</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a1, err1 := ParseAnnotation(data)
		a2, err2 := ScanAnnotation(data)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("readers disagree on %q:\nParse %v\nScan  %v", data, err1, err2)
		}
		if a1 != nil {
			a1.doc, a1.elems = nil, nil
			for i := range a1.Objects {
				a1.Objects[i].elem = nil
			}
			if !reflect.DeepEqual(a1, a2) {
				t.Fatalf("readers disagree on %q:\nParse %+v\nScan  %+v", data, a1, a2)
			}
		}
		doc, err := parseXML(data)
		if err != nil {
			return
		}
		ref := etree.NewDocument()
		if err := ref.ReadFromBytes(data); err != nil {
			return // encoding/xml is stricter in a few corners (e.g. names); fine
		}
		got, err1 := doc.WriteToString()
		want, err2 := ref.WriteToString()
		if err1 != nil || err2 != nil {
			t.Fatalf("write: %v %v", err1, err2)
		}
		if got != want {
			t.Fatalf("tree differs from etree's\ninput %q\nours  %q\netree %q", data, got, want)
		}
	})
}
