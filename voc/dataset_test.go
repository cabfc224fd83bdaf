package voc

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/classname"
)

func TestOpenLayouts(t *testing.T) {
	jpg := jpegBytes(t, 8, 8)
	cases := []struct {
		name   string
		files  []string
		open   string
		layout Layout
	}{
		{"voc", []string{"Annotations/a.xml", "JPEGImages/a.jpg", "JPEGImages/b.JPG"}, "", LayoutVOC},
		{"devkit", []string{"VOCdevkit/VOC2007/Annotations/a.xml", "VOCdevkit/VOC2007/JPEGImages/a.jpg", "VOCdevkit/VOC2007/JPEGImages/b.JPG"}, "", LayoutVOC},
		{"voc2007", []string{"VOC2007/Annotations/a.xml", "VOC2007/JPEGImages/a.jpg", "VOC2007/JPEGImages/b.JPG"}, "", LayoutVOC},
		{"split", []string{"annotations/a.xml", "images/a.jpg", "images/b.JPG"}, "", LayoutSplit},
		{"flat", []string{"a.xml", "a.jpg", "b.JPG", "notes.txt"}, "", LayoutFlat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range c.files {
				writeFile(t, filepath.Join(root, f), jpg)
			}
			ds, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Layout != c.layout {
				t.Fatalf("layout %s, want %s", ds.Layout, c.layout)
			}
			if len(ds.Items) != 2 || ds.Items[0].ID != "a" || ds.Items[0].XML == "" || ds.Items[1].XML != "" {
				t.Fatalf("items %+v", ds.Items)
			}
			if !strings.HasSuffix(ds.XMLPathFor(ds.Items[1].Image), "b.xml") {
				t.Fatal(ds.XMLPathFor(ds.Items[1].Image))
			}
		})
	}
}

func TestOpenOrphansAndClashes(t *testing.T) {
	root := t.TempDir()
	jpg := jpegBytes(t, 8, 8)
	for _, f := range []string{"x.jpg", "x.png", "lonely.xml", "img10.jpg", "img2.jpg", ".x.xml.tmp-1"} {
		writeFile(t, filepath.Join(root, f), jpg)
	}
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range ds.Items {
		got = append(got, it.ID)
	}
	if !reflect.DeepEqual(got, []string{"img2", "img10", "lonely", "x"}) {
		t.Fatalf("ids %v", got)
	}
	if len(ds.Ambiguous) != 1 || !strings.HasSuffix(ds.Ambiguous[0], "x.png") {
		t.Fatalf("ambiguous %v", ds.Ambiguous)
	}
	if _, err := Open(filepath.Join(root, "x.jpg")); err == nil {
		t.Fatal("opening a file should fail")
	}
}

// Opening a folder clears what saves killed mid-write left an hour ago
// (the kill campaign left dozens), and leaves a save under way alone.
func TestOpenRemovesStaleTemporaries(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.jpg"), jpegBytes(t, 8, 8))
	old, fresh := filepath.Join(root, ".a.xml.tmp-41"), filepath.Join(root, ".a.xml.tmp-42")
	writeFile(t, old, []byte("<annotation>"))
	writeFile(t, fresh, []byte("<annotation>"))
	hour := time.Now().Add(-time.Hour)
	os.Chtimes(old, hour, hour)
	if _, err := Open(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the hour-old temporary is still there (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("the fresh temporary was removed: %v", err)
	}
}

func TestNaturalLess(t *testing.T) {
	in := []string{"b", "a10", "a2", "a02", "a1b", "a1a", "10", "9"}
	sort.Slice(in, func(i, j int) bool { return NaturalLess(in[i], in[j]) })
	want := []string{"9", "10", "a1a", "a1b", "a2", "a02", "a10", "b"}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("%v", in)
	}
}

func TestClasses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "classes.txt")
	if err := WriteClasses(p, []string{"zebra", "apple"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadClasses(p)
	if err != nil || !reflect.DeepEqual(got, []string{"zebra", "apple"}) {
		t.Fatalf("%v %v", got, err)
	}
	merged := MergeClasses(got, []string{"apple", "cat", "zebra", "bee", "cat"})
	if !reflect.DeepEqual(merged, []string{"zebra", "apple", "cat", "bee"}) {
		t.Fatalf("merged %v", merged)
	}
	os.WriteFile(p, []byte("a\n\nb\r\na\n"), 0o644)
	if _, err := ReadClasses(p); err == nil || !strings.Contains(err.Error(), p+":4") {
		t.Fatalf("duplicate class: %v", err)
	}
}

// classes.txt is checked line by line: a name with a control character is
// refused with its line (a NUL or tab passed before), a byte-order mark is
// skipped, and WriteClasses refuses a name that would not read back as
// one class (a newline would split it and shift every later id).
func TestClassesValidation(t *testing.T) {
	p := filepath.Join(t.TempDir(), "classes.txt")
	for _, c := range []struct{ data, want string }{
		{"cat\nd\x00g\n", ":2: class name \"d\\x00g\" holds a control character"},
		{"cat\n\ndog\tx\n", ":3: "},
		{"cat\n\xff\xfe\n", ":2: class name \"\\xff\\xfe\" is not valid UTF-8"},
		{"cat\n" + strings.Repeat("x", classname.MaxLen+1), ":2: class name of 257 bytes"},
		{"a\u2028b\n", ":1: "},
		{"cat\n\ufeffdog\n", ":2: class name \"\\ufeffdog\" holds an invisible format character"},
	} {
		os.WriteFile(p, []byte(c.data), 0o644)
		if _, err := ReadClasses(p); err == nil || !strings.Contains(err.Error(), p+c.want) {
			t.Errorf("%q: %v, want %q", c.data, err, c.want)
		}
	}
	os.WriteFile(p, []byte("\ufeffcat\r\ndog\r\n"), 0o644)
	if got, err := ReadClasses(p); err != nil || !reflect.DeepEqual(got, []string{"cat", "dog"}) {
		t.Fatalf("BOM and CRLF: %v %q", err, got)
	}
	for _, bad := range [][]string{{"cat", "a\nb"}, {"x\x00"}, {""}, {" cat"}, {"cat", "cat"}} {
		if err := WriteClasses(p, bad); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("wrote %q: %v", bad, err)
		}
	}
	if got, _ := ReadClasses(p); !reflect.DeepEqual(got, []string{"cat", "dog"}) {
		t.Fatalf("a refused write changed the file: %q", got)
	}
}

// Whatever classes.txt holds, the names read are valid, unique, and
// written back read as the same list.
func FuzzReadClasses(f *testing.F) {
	for _, s := range []string{"cat\ndog\n", "\ufeffa\r\nb\r\n", "a\n\nb\x00\n", "a\na\n", " x \n\t\n", "caf\xe9\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := parseClasses("classes.txt", data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, n := range names {
			if classname.Check(n) != nil || seen[n] {
				t.Fatalf("accepted %q", n)
			}
			seen[n] = true
		}
		again, err := parseClasses("classes.txt", []byte(strings.Join(names, "\n")+"\n"))
		if err != nil || !reflect.DeepEqual(again, names) && len(names) > 0 {
			t.Fatalf("%q read back as %q (%v)", names, again, err)
		}
	})
}

// A folder whose photos sit in JPEGImages/ with nothing labelled yet (how
// people lay out a set before labelling) is a VOC set: its pictures are
// listed, and the first save makes Annotations/.
func TestOpenUnlabelledJPEGImages(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"JPEGImages/a.jpg", "JPEGImages/b.jpg"} {
		writeFile(t, filepath.Join(root, f), jpegBytes(t, 8, 8))
	}
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Layout != LayoutVOC || len(ds.Items) != 2 || ds.Items[0].XML != "" {
		t.Fatalf("layout %s, items %+v", ds.Layout, ds.Items)
	}
	xml := ds.XMLPathFor(ds.Items[0].Image)
	if xml != filepath.Join(root, "Annotations", "a.xml") {
		t.Fatalf("annotation path %s", xml)
	}
	if err := SaveAnnotation(xml, NewAnnotation(ds.Items[0].Image, 8, 8, 3)); err != nil {
		t.Fatal(err)
	}
	if ds, err = Open(root); err != nil || ds.Items[0].XML != xml {
		t.Fatalf("after the first save: %v %+v", err, ds.Items)
	}
}
