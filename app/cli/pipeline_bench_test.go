package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/pix"
	"github.com/labelloop/labelloop/internal/pix/pixtest"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/onnx"
	"github.com/labelloop/labelloop/usecase"
)

// benchPictures makes the pipeline bench's pictures: a real photo as
// it came (the raccoon sample set's, when ../shared/data is there), and
// from it a phone-size 4000×3000 JPEG with sensor noise, a progressive
// 8000×2000 panorama, and a PNG whose left quarter is transparent and a
// band half so.
func benchPictures(t *testing.T) []string {
	dir := t.TempDir()
	base := "../../../shared/data/raccoon/images/raccoon-45.jpg"
	small := filepath.Join(dir, "small-photo.jpg")
	if data, err := os.ReadFile(base); err == nil {
		os.WriteFile(small, data, 0o644)
	} else {
		t.Logf("no raccoon sample set (%v): a generated photo-like picture instead", err)
		p, err := pixtest.Write(dir, pixtest.Photo(620, 372, 1), pixtest.Variant{Name: "small-photo", Ext: ".jpg", Args: []string{"-quality", "90"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		small = p
	}
	out := []string{small}
	for _, c := range []struct {
		name, geom string
		args       []string
	}{
		{"phone-4000x3000.jpg", "4000x3000!", []string{"-attenuate", "0.6", "+noise", "Gaussian", "-quality", "92", "-sampling-factor", "4:2:0"}},
		{"panorama-8000x2000.jpg", "8000x2000!", []string{"-attenuate", "0.6", "+noise", "Gaussian", "-quality", "90", "-interlace", "Plane"}},
		{"alpha-1200x900.png", "1200x900!", []string{"-alpha", "set", "-channel", "A", "-fx", "i<w/4?0:(j<h/3?0.5:1)", "+channel", "-define", "png:color-type=6"}},
	} {
		p := filepath.Join(dir, c.name)
		args := append(append([]string{small, "-resize", c.geom}, c.args...), p)
		if msg, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
			t.Fatalf("convert %v: %v %s", args, err, msg)
		}
		out = append(out, p)
	}
	return out
}

func readF32File(t *testing.T, path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// scores are every candidate's objectness × class probability.
func scores(outs []detect.Output, nc int) []float64 {
	sig := func(v float32) float64 { return 1 / (1 + math.Exp(-float64(v))) }
	var s []float64
	for _, o := range outs {
		plane := int(o.Shape[2] * o.Shape[3])
		for a := 0; a < 3; a++ {
			ch := o.Data[a*(5+nc)*plane:]
			for cell := 0; cell < plane; cell++ {
				obj := sig(ch[4*plane+cell])
				for c := 0; c < nc; c++ {
					s = append(s, obj*sig(ch[(5+c)*plane+cell]))
				}
			}
		}
	}
	return s
}

// TestBenchPipeline holds the network input to the seed's pipeline run
// in Debian's python3-pil (scripts/bench_pipeline_pil.py): max abs
// difference ≤ 2/255 and mean ≤ 0.5/255 for each picture, letterboxed
// and stretched; and a model's scores within 0.01. It reports the time of
// decode + resize beside PIL's.
func TestBenchPipeline(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	if exec.Command("/usr/bin/python3", "-c", "import PIL, numpy").Run() != nil {
		t.Fatal("python3-pil and python3-numpy are needed (make bench-deps)")
	}
	const size, repeats = 416, 5
	pics := benchPictures(t)

	// a model to score both inputs with: the briefly trained detector of
	// make bench, else the fixture formula's weights
	var modelData []byte
	nc, label := 20, "fixture weights"
	if ck := os.Getenv("LABELLOOP_BENCH_TRAINED"); ck != "" {
		r, err := usecase.Export(context.Background(), ck, usecase.ExportOptions{Out: filepath.Join(t.TempDir(), "trained.onnx")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		modelData, _ = os.ReadFile(r.Path)
		c, _, _ := model.LoadCheckpoint(ck)
		nc, label = len(c.Classes), "trained detector"
	} else {
		g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: nc, InputSize: size})
		var err error
		if modelData, err = onnx.Marshal(g, model.FixtureWeights(g), onnx.Meta{Anchors: model.DefaultAnchors}); err != nil {
			t.Fatal(err)
		}
	}
	sess, err := inference.NewSession(modelData, onnx.OutputNames[:], inference.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	t.Logf("%-24s %-9s %9s %9s %11s %9s %9s", "picture", "resize", "max/255", "mean/255", "score diff", "Go ms", "PIL ms")
	for _, letterbox := range []bool{true, false} {
		out := t.TempDir()
		lb := map[bool]string{true: "1", false: "0"}[letterbox]
		args := append([]string{"../../scripts/bench_pipeline_pil.py", fmt.Sprint(size), lb, fmt.Sprint(repeats), out}, pics...)
		pyOut, err := exec.Command("/usr/bin/python3", args...).Output()
		if err != nil {
			t.Fatalf("python: %v", err)
		}
		pyTime := map[string]float64{}
		for _, l := range strings.Split(strings.TrimSpace(string(pyOut)), "\n") {
			var name string
			var s float64
			fmt.Sscan(l, &name, &s)
			pyTime[name] = s * 1000
		}
		for _, p := range pics {
			var ds []time.Duration
			x := make([]float32, 3*size*size)
			for i := 0; i < repeats; i++ {
				t0 := time.Now()
				img, err := pix.Decode(p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := detect.Preprocess(img, img.Rect.Dx(), img.Rect.Dy(), size, letterbox, x); err != nil {
					t.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			ref := readF32File(t, filepath.Join(out, filepath.Base(p)+".f32"))
			var maxd, sum float64
			for i := range x {
				d := math.Abs(float64(x[i]) - float64(ref[i]))
				maxd = max(maxd, d)
				sum += d
			}
			mean := sum / float64(len(x))
			a, err := sess.Run(x, 1, size, size)
			if err != nil {
				t.Fatal(err)
			}
			b, err := sess.Run(ref, 1, size, size)
			if err != nil {
				t.Fatal(err)
			}
			sa, sb := scores(a, nc), scores(b, nc)
			var sd float64
			for i := range sa {
				sd = max(sd, math.Abs(sa[i]-sb[i]))
			}
			mode := map[bool]string{true: "letterbox", false: "stretch"}[letterbox]
			t.Logf("%-24s %-9s %9.3f %9.4f %11.2g %9.1f %9.1f", filepath.Base(p), mode, maxd*255, mean*255, sd, medianMS(ds), pyTime[filepath.Base(p)])
			if maxd > 2.0/255 || mean > 0.5/255 || sd > 0.01 {
				t.Errorf("%s (%s): max %.3f/255, mean %.4f/255, scores %.3g: bars are 2/255, 0.5/255, 0.01", filepath.Base(p), mode, maxd*255, mean*255, sd)
			}
		}
	}
	t.Logf("scores: every candidate's objectness × class of the %s, on both inputs", label)
}
