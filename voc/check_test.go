package voc

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badDataset builds a flat dataset with one of every problem check knows.
func badDataset(t *testing.T) string {
	root := t.TempDir()
	p := func(n string) string { return filepath.Join(root, n) }
	jpg := jpegBytes(t, 100, 80)
	writeFile(t, p("classes.txt"), []byte("cat\ndog\n"))
	writeFile(t, p("good.jpg"), jpg)
	writeAnn(t, p("good.xml"), p("good.jpg"), 100, 80, obj("cat", 10, 10, 50, 50), obj("dog", 60, 10, 90, 70))
	writeFile(t, p("broken.jpg"), jpg)
	writeFile(t, p("broken.xml"), []byte("<annotation>\n<object>\n</annotation>\n"))
	writeAnn(t, p("orphan.xml"), p("orphan.jpg"), 100, 80, obj("cat", 1, 1, 20, 20))
	writeFile(t, p("unlabelled.jpg"), jpg)
	writeFile(t, p("boxes.jpg"), jpg)
	writeAnn(t, p("boxes.xml"), p("boxes.jpg"), 100, 80,
		obj("cat", 50, 10, 40, 20),   // degenerate
		obj("cat", -5, 10, 120, 60),  // outside, fixable
		obj("bird", 10, 10, 30, 30),  // unknown class
		obj("dog", 10, 10, 12, 30),   // tiny
		obj("dog", 10, 40, 60, 79),   // original
		obj("dog", 10, 40, 60, 79.5)) // duplicate
	writeFile(t, p("sized.jpg"), jpg)
	writeAnn(t, p("sized.xml"), p("sized.jpg"), 640, 480, obj("cat", 1, 1, 20, 20))
	writeFile(t, p("nosize.jpg"), jpg)
	writeAnn(t, p("nosize.xml"), p("nosize.jpg"), 0, 0, obj("cat", 1, 1, 20, 20))
	writeFile(t, p("rotated.jpg"), withExif(jpg, 6))
	writeAnn(t, p("rotated.xml"), p("rotated.jpg"), 80, 100, obj("cat", 1, 1, 20, 20))
	writeFile(t, p("fake.jpg"), pngBytes(t, grayImage(100, 80)))
	writeAnn(t, p("fake.xml"), p("fake.jpg"), 100, 80, obj("cat", 1, 1, 20, 20))
	writeFile(t, p("cut.jpg"), jpg[:len(jpg)-300])
	writeFile(t, p("alpha.png"), pngBytes(t, rgbaImage(100, 80)))
	writeFile(t, p("zero.jpg"), nil)
	writeFile(t, p("renamed.jpg"), jpg)
	writeAnn(t, p("renamed.xml"), p("other.jpg"), 100, 80)
	return root
}

func codesByFile(rep *Report) map[string][]string {
	m := map[string][]string{}
	for _, is := range rep.Issues {
		m[filepath.Base(is.File)] = append(m[filepath.Base(is.File)], is.Code)
	}
	return m
}

func TestCheckFindsEveryProblem(t *testing.T) {
	root := badDataset(t)
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(ds, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := codesByFile(rep)
	want := map[string][]string{
		"broken.xml":  {"xml-invalid"},
		"orphan.xml":  {"image-missing"},
		"boxes.xml":   {"box-degenerate", "box-outside", "class-unknown", "box-tiny", "box-duplicate"},
		"sized.xml":   {"size-mismatch"},
		"nosize.xml":  {"size-missing"},
		"rotated.jpg": {"exif-orientation"},
		"rotated.xml": {"size-rotated"},
		"fake.jpg":    {"image-extension", "image-grayscale"},
		"cut.jpg":     {"image-truncated"},
		"alpha.png":   {"image-alpha"},
		"zero.jpg":    {"image-unreadable"},
		"renamed.xml": {"filename-mismatch"},
	}
	for file, codes := range want {
		if strings.Join(got[file], ",") != strings.Join(codes, ",") {
			t.Errorf("%s: codes %v, want %v", file, got[file], codes)
		}
		delete(got, file)
	}
	if len(got) != 0 {
		t.Errorf("unexpected findings: %v", got)
	}
	for _, is := range rep.Issues {
		if is.Code == "xml-invalid" && (is.Line != 3 || !strings.Contains(is.Message, "closed by")) {
			t.Errorf("parse error not located: %+v", is)
		}
		if !strings.HasPrefix(is.File, root) {
			t.Errorf("issue does not name its file: %+v", is)
		}
	}
	s := rep.Summary
	if s.Images != 12 || s.Unlabelled != 4 || s.Annotations != 9 || s.Labelled != 7 {
		t.Errorf("counts %+v", s)
	}
	if rep.Classes[0] != "cat" || rep.Classes[1] != "dog" || rep.Classes[2] != "bird" {
		t.Errorf("classes %v", rep.Classes)
	}
	if s.Classes[1].Boxes != 4 || s.Classes[1].Images != 2 {
		t.Errorf("dog %+v", s.Classes[1])
	}
	var text bytes.Buffer
	rep.WriteText(&text, 0)
	if !strings.Contains(text.String(), "broken.xml:3: XML does not parse") {
		t.Errorf("text report:\n%s", text.String())
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

func TestFixRepairsSafelyWithBackup(t *testing.T) {
	root := badDataset(t)
	ds, _ := Open(root)
	rep, _ := Check(ds, CheckOptions{})
	orig, _ := os.ReadFile(filepath.Join(root, "boxes.xml"))
	backupDir := filepath.Join(root, "bk")
	changed, err := Fix(ds, rep, backupDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range changed {
		names = append(names, filepath.Base(c))
	}
	if strings.Join(names, ",") != "boxes.xml,nosize.xml,sized.xml" {
		t.Fatalf("changed %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(backupDir, "boxes.xml")); !bytes.Equal(b, orig) {
		t.Fatal("backup does not hold the original")
	}
	rep2, _ := Check(ds, CheckOptions{})
	got := codesByFile(rep2)
	if c := strings.Join(got["boxes.xml"], ","); c != "box-degenerate,class-unknown,box-tiny,box-duplicate" {
		t.Errorf("after fix boxes.xml: %s", c)
	}
	if len(got["sized.xml"])+len(got["nosize.xml"]) != 0 {
		t.Errorf("size not fixed: %v %v", got["sized.xml"], got["nosize.xml"])
	}
	if len(got["rotated.xml"]) != 1 {
		t.Error("a rotated size must not be 'fixed' blindly")
	}
	a, _ := LoadAnnotation(filepath.Join(root, "boxes.xml"))
	if a.Objects[1].Box != (Box{0, 10, 100, 60}) {
		t.Errorf("clamped box %+v", a.Objects[1].Box)
	}
}
