package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// import-pth stamps the anchors the weights were trained with: the
// seed's own, unscaled, at any input size, or a yolo_anchors.txt given.
func TestImportPthAnchors(t *testing.T) {
	dir := t.TempDir()
	pth := "../../training/testdata/tv_part.pth"
	out := filepath.Join(dir, "a.safetensors")
	if code := importPth([]string{"--pth", pth, "--out", out, "--classes", "apple,banana", "--input-size", "320"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	ck, _, err := model.LoadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Anchors != model.DefaultAnchors {
		t.Fatalf("anchors %v at 320, want the seed's %v", ck.Anchors, model.DefaultAnchors)
	}
	file := filepath.Join(dir, "yolo_anchors.txt")
	os.WriteFile(file, []byte("10,13, 16,30, 33,23, 30,61, 62,45, 59,119, 116,90, 156,198, 373,326\n"), 0o644)
	out2 := filepath.Join(dir, "b.safetensors")
	if code := importPth([]string{"--pth", pth, "--out", out2, "--classes", "apple", "--anchors", file}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	ck, _, _ = model.LoadCheckpoint(out2)
	if ck.Anchors[0] != [2]float64{10, 13} || ck.Anchors[8] != [2]float64{373, 326} {
		t.Fatalf("anchors %v, want the file's", ck.Anchors)
	}
	os.WriteFile(file, []byte("10,13, 16,30\n"), 0o644)
	if code := importPth([]string{"--pth", pth, "--out", filepath.Join(dir, "c.safetensors"), "--classes", "apple", "--anchors", file}); code == 0 {
		t.Fatal("a file of two anchors accepted")
	}
}
