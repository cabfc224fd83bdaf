// Package synth makes small labelled datasets: red circles, green squares
// and blue triangles on noisy textured backgrounds, with VOC XML. The demo,
// the tests and the benchmarks use it instead of shipping photos.
package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/labelloop/labelloop/voc"
)

// Classes are the shapes drawn, in class-index order.
var Classes = []string{"circle", "square", "triangle"}

// Options describe a dataset to generate.
type Options struct {
	Images     int
	Width      int
	Height     int
	MinObjects int
	MaxObjects int
	MinSize    int // object side in pixels
	MaxSize    int
	Seed       uint64
	Layout     voc.Layout // LayoutVOC (default), LayoutSplit or LayoutFlat
	Unlabelled int        // extra images written without XML
}

// Default is the calibration set of the reference README: 160×160, 1–3
// objects of 20–80 px.
func Default(n int) Options {
	return Options{Images: n, Width: 160, Height: 160, MinObjects: 1, MaxObjects: 3, MinSize: 20, MaxSize: 80, Layout: voc.LayoutVOC}
}

// Generate writes the dataset under root and its classes.txt.
func Generate(root string, o Options) error {
	imgDir, annDir := filepath.Join(root, "JPEGImages"), filepath.Join(root, "Annotations")
	switch o.Layout {
	case voc.LayoutSplit:
		imgDir, annDir = filepath.Join(root, "images"), filepath.Join(root, "annotations")
	case voc.LayoutFlat:
		imgDir, annDir = root, root
	}
	for _, d := range []string{imgDir, annDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	for i := 0; i < o.Images+o.Unlabelled; i++ {
		img, objs := Image(rng, o)
		name := fmt.Sprintf("shapes-%05d", i)
		imgPath := filepath.Join(imgDir, name+".jpg")
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return err
		}
		if err := os.WriteFile(imgPath, buf.Bytes(), 0o644); err != nil {
			return err
		}
		if i >= o.Images {
			continue
		}
		a := voc.NewAnnotation(imgPath, o.Width, o.Height, 3)
		a.Objects = objs
		if err := voc.SaveAnnotation(filepath.Join(annDir, name+".xml"), a); err != nil {
			return err
		}
	}
	return voc.WriteClasses(filepath.Join(root, "classes.txt"), Classes)
}

// Image draws one picture and returns its boxes.
func Image(rng *rand.Rand, o Options) (*image.RGBA, []voc.Object) {
	w, h := o.Width, o.Height
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// textured background: two soft gradients plus noise
	base := [3]float64{rng.Float64()*120 + 60, rng.Float64()*120 + 60, rng.Float64()*120 + 60}
	fx, fy := rng.Float64()*0.2, rng.Float64()*0.2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := 30 * math.Sin(float64(x)*fx+float64(y)*fy)
			i := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				img.Pix[i+c] = clamp8(base[c] + t + rng.NormFloat64()*18)
			}
			img.Pix[i+3] = 255
		}
	}
	n := o.MinObjects + rng.IntN(o.MaxObjects-o.MinObjects+1)
	var objs []voc.Object
	for k := 0; k < n; k++ {
		cls := rng.IntN(len(Classes))
		s := o.MinSize + rng.IntN(o.MaxSize-o.MinSize+1)
		if s > w || s > h {
			s = min(w, h)
		}
		x0, y0 := rng.IntN(w-s+1), rng.IntN(h-s+1)
		col := [3]color.RGBA{{220, 40, 40, 255}, {40, 200, 60, 255}, {40, 70, 230, 255}}[cls]
		for y := y0; y < y0+s; y++ {
			for x := x0; x < x0+s; x++ {
				if inside(cls, float64(x-x0)+0.5, float64(y-y0)+0.5, float64(s)) {
					j := img.PixOffset(x, y)
					img.Pix[j] = clamp8(float64(col.R) + rng.NormFloat64()*10)
					img.Pix[j+1] = clamp8(float64(col.G) + rng.NormFloat64()*10)
					img.Pix[j+2] = clamp8(float64(col.B) + rng.NormFloat64()*10)
				}
			}
		}
		objs = append(objs, voc.Object{Name: Classes[cls], Box: voc.Box{Xmin: float64(x0), Ymin: float64(y0), Xmax: float64(x0 + s), Ymax: float64(y0 + s)}})
	}
	return img, objs
}

func inside(cls int, x, y, s float64) bool {
	switch cls {
	case 0:
		r := s / 2
		return (x-r)*(x-r)+(y-r)*(y-r) <= r*r
	case 1:
		return true
	default: // apex at top centre, base along the bottom
		return math.Abs(x-s/2) <= y/2
	}
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, v))) }

// GenerateSplit is Generate followed by the default split (train and val
// lists written), a set ready to train on.
func GenerateSplit(root string, o Options) error {
	if err := Generate(root, o); err != nil {
		return err
	}
	ds, err := voc.Open(root)
	if err != nil {
		return err
	}
	plan, err := voc.PlanSplit(ds, voc.DefaultSplitOptions())
	if err != nil {
		return err
	}
	return plan.WriteImageSets(ds)
}
