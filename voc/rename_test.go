package voc

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRenameClass(t *testing.T) {
	root := t.TempDir()
	p := func(n string) string { return filepath.Join(root, n) }
	jpg := jpegBytes(t, 50, 50)
	writeFile(t, p("a.jpg"), jpg)
	writeFile(t, p("b.jpg"), jpg)
	writeFile(t, p("c.jpg"), jpg)
	writeAnn(t, p("a.xml"), p("a.jpg"), 50, 50, obj("cat", 1, 1, 9, 9), obj("dog", 1, 1, 9, 9))
	writeAnn(t, p("b.xml"), p("b.jpg"), 50, 50, obj("dog", 1, 1, 9, 9))
	writeFile(t, p("c.xml"), []byte("<annotation><object><name>cat</name>"))
	ds, _ := Open(root)
	classes, changed, skipped, err := RenameClass(ds, []string{"cat", "dog"}, "cat", "kitten")
	if err != nil || !reflect.DeepEqual(classes, []string{"kitten", "dog"}) || len(changed) != 1 || len(skipped) != 1 {
		t.Fatalf("%v %v %v %v", classes, changed, skipped, err)
	}
	a, _ := LoadAnnotation(p("a.xml"))
	if a.Objects[0].Name != "kitten" || a.Objects[1].Name != "dog" {
		t.Fatalf("%+v", a.Objects)
	}
	if got, _ := ReadClasses(p("classes.txt")); !reflect.DeepEqual(got, classes) {
		t.Fatal(got)
	}
	if b, _ := os.ReadFile(p("c.xml")); !strings.HasPrefix(string(b), "<annotation><object><name>cat") {
		t.Fatal("unparseable file touched")
	}
	if _, _, _, err := RenameClass(ds, classes, "dog", "kitten"); err == nil {
		t.Fatal("rename onto an existing class")
	}
}
