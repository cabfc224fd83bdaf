package usecase

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/imgload"
	"github.com/labelloop/labelloop/voc"
)

// A batch keeps the pictures' order in its records, fails a truncated
// picture by name while the rest go on, takes a given picture as it is
// (it need not be on disk), saves a JPEG per picture, and counts progress.
func TestPredictImages(t *testing.T) {
	det, ds := fixtureDetector(t), unlabelled(t, 0)
	var pics []string
	for _, it := range ds.Items {
		pics = append(pics, it.Image)
	}
	data, _ := os.ReadFile(pics[1])
	os.WriteFile(pics[1], data[:len(data)/4], 0o644)
	given := filepath.Join(t.TempDir(), "on-screen.jpg") // never written
	box := detect.Detection{Class: 0, Score: 0.99, Box: voc.Box{Xmin: 1, Ymin: 1, Xmax: 9, Ymax: 9}}
	pics = append(pics, given)
	out := t.TempDir()
	var seen []int
	r := PredictImages(context.Background(), det, pics, PredictOptions{Thresholds: detect.DisplayThresholds, Workers: 2, Out: out, Save: true,
		Given: map[string]Detected{given: {Pic: &imgload.Picture{Img: image.NewRGBA(image.Rect(0, 0, 16, 16)), W: 16, H: 16, Path: given}, Dets: []detect.Detection{box}}}},
		func(done, total int) { seen = append(seen, done) })
	if len(r.Failed) != 1 || r.Failed[0].Path != pics[1] || !strings.Contains(r.Failed[0].Error(), pics[1]) {
		t.Fatalf("failures %v", r.Failed)
	}
	if r.Done != len(pics) || len(seen) != len(pics) || seen[len(seen)-1] != len(pics) {
		t.Fatalf("done %d, progress %v", r.Done, seen)
	}
	if n := len(r.Records); n == 0 || r.Records[0].File != pics[0] || r.Records[n-1].File != given || r.Records[n-1].Score != 0.99 {
		t.Fatalf("%d records, first %+v, last %+v", n, r.Records[0], r.Records[n-1])
	}
	for _, p := range []string{pics[0], pics[2], given} {
		if _, err := os.Stat(filepath.Join(out, strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))+".jpg")); err != nil {
			t.Fatal(err)
		}
	}
	if r.Timing.Net <= 0 {
		t.Fatalf("timing %+v", r.Timing)
	}
	// a copy that cannot be written fails its picture; its detections stay
	r = PredictImages(context.Background(), det, pics[:1], PredictOptions{Thresholds: detect.DisplayThresholds, Out: filepath.Join(out, "missing"), Save: true}, nil)
	if len(r.Failed) != 1 || len(r.Records) == 0 {
		t.Fatalf("%d records, failures %v", len(r.Records), r.Failed)
	}
}
