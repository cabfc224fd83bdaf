package voc

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// Photos larger than the head a check reads up front: the size and the
// last bytes come from a second and third round of the batch (or from
// the plain reader without io_uring), and a cut photo must still be found.
func TestCheckTailOfLargePhotos(t *testing.T) {
	photo := jpegBytes(t, 640, 480)
	if len(photo) <= imageHead+tailWindow {
		t.Fatalf("photo of %d bytes fits the head; the test needs a larger one", len(photo))
	}
	variants := []struct {
		name string
		data []byte
		want string // the code check gives, "" for none
	}{
		{"whole", photo, ""},
		{"padded", append(append([]byte(nil), photo...), bytes.Repeat([]byte{0}, 1000)...), ""}, // cameras pad after the end marker
		{"cut", photo[:len(photo)*2/3], "image-truncated"},
		{"cut-in-head", photo[:imageHead-100], "image-truncated"},
		{"head-exactly", photo[:imageHead], "image-truncated"},
	}
	root := t.TempDir()
	for i, v := range variants {
		img := filepath.Join(root, fmt.Sprintf("%02d-%s.jpg", i, v.name))
		writeFile(t, img, v.data)
		writeAnn(t, filepath.Join(root, fmt.Sprintf("%02d-%s.xml", i, v.name)), img, 640, 480, obj("cat", 1, 1, 20, 20))
	}
	for _, uring := range []string{"", "1"} {
		t.Run("LABELLOOP_NO_URING="+uring, func(t *testing.T) {
			t.Setenv("LABELLOOP_NO_URING", uring)
			ds, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Check(ds, CheckOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := codesByFile(rep)
			for i, v := range variants {
				file := fmt.Sprintf("%02d-%s.jpg", i, v.name)
				if fmt.Sprint(got[file]) != fmt.Sprint(codes(v.want)) {
					t.Errorf("%s (%d bytes): codes %v, want %v", file, len(v.data), got[file], codes(v.want))
				}
			}
		})
	}
}

func codes(c string) []string {
	if c == "" {
		return nil
	}
	return []string{c}
}
