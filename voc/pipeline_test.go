package voc

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/pix/pixtest"
)

// patchSOF changes a JPEG's frame marker and sample precision, as a
// 12-bit or lossless encoder would have written them.
func patchSOF(t *testing.T, j []byte, marker byte, precision byte) []byte {
	out := append([]byte{}, j...)
	for i := 2; i+4 < len(out); {
		m := out[i+1]
		if m >= 0xC0 && m <= 0xC2 {
			out[i+1], out[i+4] = marker, precision
			return out
		}
		i += 2 + int(binary.BigEndian.Uint16(out[i+2:]))
	}
	t.Fatal("no SOF")
	return nil
}

// TestCheckAcceptsWhatTrainingReads is the pipeline's promise: over the
// ways photos are stored, and the ways they break, `check --deep` passes
// a file exactly when the decoder training uses reads it, and the cheap
// default check misses only damage in the middle of the data.
func TestCheckAcceptsWhatTrainingReads(t *testing.T) {
	root := t.TempDir()
	img := filepath.Join(root, "JPEGImages")
	ann := filepath.Join(root, "Annotations")
	os.MkdirAll(img, 0o755)
	src := pixtest.Photo(120, 90, 11)
	var names []string
	add := func(name, path string) {
		names = append(names, name)
		writeAnn(t, filepath.Join(ann, name+".xml"), filepath.Base(path), 120, 90,
			Object{Name: "fruit", Box: Box{Xmin: 10, Ymin: 10, Xmax: 60, Ymax: 50}})
	}
	for _, v := range pixtest.Variants() {
		p, err := pixtest.Write(img, src, v, "")
		if err != nil {
			t.Fatal(err)
		}
		add(v.Name, p)
	}
	odd := pixtest.Variant{Name: "odd-sampling", Ext: ".jpg", Args: []string{"-interlace", "Plane", "-sampling-factor", "2x1,1x2,1x1"}}
	p, err := pixtest.Write(img, src, odd, "")
	if err != nil {
		t.Fatal(err)
	}
	add(odd.Name, p)

	// broken and unusual files, made from ordinary ones
	base, _ := pixtest.Write(t.TempDir(), src, pixtest.Variant{Name: "b", Ext: ".jpg", Args: []string{"-quality", "95"}}, "")
	j, _ := os.ReadFile(base)
	pbase, _ := pixtest.Write(t.TempDir(), src, pixtest.Variant{Name: "b", Ext: ".png"}, "")
	pn, _ := os.ReadFile(pbase)
	bbase, _ := pixtest.Write(t.TempDir(), src, pixtest.Variant{Name: "b", Ext: ".bmp", Args: []string{"-type", "TrueColor"}}, "")
	bm, _ := os.ReadFile(bbase)
	damaged := append([]byte{}, j...)
	for i := len(j) / 2; i < len(j)/2+64; i++ {
		damaged[i] = 0xFF
	}
	bomb := append([]byte{}, pn...)
	binary.BigEndian.PutUint32(bomb[16:], 40000)
	binary.BigEndian.PutUint32(bomb[20:], 40000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29]))
	jpegInBMP := append([]byte{}, bm...)
	binary.LittleEndian.PutUint32(jpegInBMP[30:], 4) // BI_JPEG
	broken := map[string][]byte{
		"twelve-bit.jpg":  patchSOF(t, j, 0xC1, 12),
		"lossless.jpg":    patchSOF(t, j, 0xC3, 8),
		"cut-jpeg.jpg":    j[:len(j)*2/3],
		"damaged.jpg":     damaged,
		"cut-png.png":     pn[:len(pn)*2/3],
		"bomb.png":        bomb,
		"jpeg-in-bmp.bmp": jpegInBMP,
		"cut-bmp.bmp":     bm[:len(bm)/2],
	}
	for name, data := range broken {
		p := filepath.Join(img, name)
		writeFile(t, p, data)
		add(strings.TrimSuffix(name, filepath.Ext(name)), p)
	}

	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, deep := range []bool{false, true} {
		rep, err := Check(ds, CheckOptions{Deep: deep})
		if err != nil {
			t.Fatal(err)
		}
		flagged := map[string]string{}
		for _, is := range rep.Issues {
			if is.Severity == SevError {
				flagged[strings.TrimSuffix(filepath.Base(is.File), filepath.Ext(is.File))] += is.Code + ": " + is.Message + "; "
			}
		}
		if !strings.Contains(flagged["bomb"], "image-too-large") {
			t.Errorf("deep=%v: the 40000x40000 PNG is not named as too large: %s", deep, flagged["bomb"])
		}
		for _, it := range ds.Items {
			_, decErr := pix.Decode(it.Image)
			msg, isFlagged := flagged[it.ID]
			switch {
			case decErr == nil && isFlagged:
				t.Errorf("deep=%v: %s is read by the decoder but the check says %s", deep, it.ID, msg)
			case decErr != nil && !isFlagged && (deep || it.ID != "damaged"):
				t.Errorf("deep=%v: %s passes the check but training cannot read it: %v", deep, it.ID, decErr)
			case isFlagged:
				t.Logf("deep=%v: %s: %s", deep, it.ID, msg)
			}
		}
	}
}

// Over PIL's warning limit (89 MP) and under its refusal (179 MP) is a
// warning; over the refusal, an error naming the limit.
func TestCheckWarnsOfLargePictures(t *testing.T) {
	root := t.TempDir()
	png := func(w, h uint32) []byte {
		d := pngBytes(t, grayImage(8, 8))
		binary.BigEndian.PutUint32(d[16:], w)
		binary.BigEndian.PutUint32(d[20:], h)
		binary.BigEndian.PutUint32(d[29:], crc32.ChecksumIEEE(d[12:29]))
		return d
	}
	writeFile(t, filepath.Join(root, "JPEGImages", "large.png"), png(10000, 9000))
	writeFile(t, filepath.Join(root, "JPEGImages", "huge.png"), png(20000, 10000))
	writeAnn(t, filepath.Join(root, "Annotations", "large.xml"), "large.png", 10000, 9000, obj("a", 1, 1, 50, 50))
	writeAnn(t, filepath.Join(root, "Annotations", "huge.xml"), "huge.png", 20000, 10000, obj("a", 1, 1, 50, 50))
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(ds, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, is := range rep.Issues {
		if is.Code == "image-large" || is.Code == "image-too-large" {
			codes[filepath.Base(is.File)] = string(is.Severity) + " " + is.Code
		}
	}
	if codes["large.png"] != "warning image-large" || codes["huge.png"] != "error image-too-large" {
		t.Fatalf("findings %v", codes)
	}
}
