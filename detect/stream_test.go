package detect

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/pix/pixtest"
)

// The input made while a file decodes is Preprocess's on the decoded
// picture, to the bit: every kind of file (a JPEG reports rows as it
// goes, CMYK and PNG at the end), odd sizes, letterbox or stretched.
func TestStreamIsPreprocess(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, sz := range [][2]int{{640, 480}, {333, 777}, {1001, 97}, {17, 13}} {
		src := pixtest.Photo(sz[0], sz[1], uint64(i))
		for _, v := range pixtest.Variants() {
			if v.Name != "baseline-4:2:0" && v.Name != "progressive-4:2:2" && v.Name != "cmyk" && v.Name != "grey" && v.Name != "alpha" && v.Name != "restart" {
				continue
			}
			p, err := pixtest.Write(dir, src, v, filepath.Base(v.Name)+"-"+string(rune('a'+i)))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	const size = 416
	for _, p := range files {
		for _, letterbox := range []bool{true, false} {
			img, err := pix.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, 3*size*size)
			wf, err := Preprocess(img, img.Rect.Dx(), img.Rect.Dy(), size, letterbox, want)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, 3*size*size)
			st, err := NewStream(size, letterbox, got)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			if _, err := pix.DecodeRows(p, func(img2 *image.RGBA, n int) { calls++; st.Rows(img2, n) }); err != nil {
				t.Fatal(err)
			}
			gf, err := st.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if gf != wf || !slices.Equal(got, want) {
				t.Errorf("%s (letterbox %v): the streamed input differs from Preprocess's (frame %+v, want %+v)", filepath.Base(p), letterbox, gf, wf)
			}
			if calls == 0 {
				t.Errorf("%s: no rows reported", filepath.Base(p))
			}
		}
	}
}

// A file that fails to decode half-way leaves no goroutine writing to
// the input, and a file that never gave a row says what is wrong.
func TestStreamAbort(t *testing.T) {
	dir := t.TempDir()
	p, err := pixtest.Write(dir, pixtest.Photo(640, 480, 3), pixtest.Variant{Name: "j", Ext: ".jpg", Args: []string{"-quality", "90"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	cut := filepath.Join(dir, "cut.jpg")
	os.WriteFile(cut, data[:len(data)*6/10], 0o644)
	buf := make([]float32, 3*416*416)
	st, _ := NewStream(416, true, buf)
	rows := 0
	_, err = pix.DecodeRows(cut, func(img *image.RGBA, n int) { rows = n; st.Rows(img, n) })
	var ce *pix.CorruptError
	if !errors.As(err, &ce) || !ce.Truncated {
		t.Fatalf("cut JPEG: %v, want a truncated CorruptError", err)
	}
	st.Abort()
	if rows == 0 {
		t.Error("the cut JPEG reported no rows before failing: the abort was not tried under way")
	}
	st, _ = NewStream(416, true, buf)
	if _, err := st.Finish(); err == nil {
		t.Error("a stream that got no picture finished without an error")
	}
}
