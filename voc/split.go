package voc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// SplitOptions are the reference's defaults unless changed.
type SplitOptions struct {
	TrainVal      float64 // share of images in trainval (rest: test)
	Train         float64 // share of trainval in train (rest: val)
	Seed          uint64
	Stratify      bool // keep each class's share in every split
	SkipDifficult bool // difficult boxes count for nothing and stay out of the reference lists
}

// DefaultSplitOptions are voc_annotation.py's defaults, plus stratification.
func DefaultSplitOptions() SplitOptions {
	return SplitOptions{TrainVal: 0.9, Train: 0.9, Seed: 0, Stratify: true, SkipDifficult: true}
}

// SplitItem is what splitting needs of one image: its id and the classes
// (indices) present in it.
type SplitItem struct {
	ID      string
	Classes []int
}

// Split holds image ids per split, each list in natural order.
type Split struct {
	TrainVal, Train, Val, Test []string
}

// MakeSplit divides items into train, val and test. The same items and
// options always give the same split.
func MakeSplit(items []SplitItem, nClasses int, opt SplitOptions) Split {
	items = append([]SplitItem(nil), items...)
	sort.Slice(items, func(i, j int) bool { return NaturalLess(items[i].ID, items[j].ID) })
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	split := func(in []SplitItem, frac float64) (a, b []SplitItem) {
		if opt.Stratify {
			return stratify(in, nClasses, frac, rng)
		}
		p := rng.Perm(len(in))
		n := int(math.Round(frac * float64(len(in))))
		for k, i := range p {
			if k < n {
				a = append(a, in[i])
			} else {
				b = append(b, in[i])
			}
		}
		return a, b
	}
	trainval, test := split(items, opt.TrainVal)
	train, val := split(trainval, opt.Train)
	return Split{TrainVal: ids(trainval), Train: ids(train), Val: ids(val), Test: ids(test)}
}

func ids(items []SplitItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	sort.Slice(out, func(i, j int) bool { return NaturalLess(out[i], out[j]) })
	return out
}

// stratify is iterative stratification (Sechidis et al., 2011) for two
// subsets: classes are placed rarest first, each image going to the subset
// that still wants that class most, so every class's share lands within
// one image of frac when each image holds one class.
func stratify(items []SplitItem, nClasses int, frac float64, rng *rand.Rand) (a, b []SplitItem) {
	n := len(items)
	order := rng.Perm(n)
	var want [2][]float64
	want[0], want[1] = make([]float64, nClasses), make([]float64, nClasses)
	count := make([]int, nClasses)
	for _, it := range items {
		for _, c := range it.Classes {
			count[c]++
		}
	}
	for c := range count {
		want[0][c] = frac * float64(count[c])
		want[1][c] = float64(count[c]) - want[0][c]
	}
	capA := math.Round(frac * float64(n))
	capacity := [2]float64{capA, float64(n) - capA}
	placed := make([]bool, n)
	left := n
	assign := func(i, s int) {
		placed[i] = true
		left--
		capacity[s]--
		for _, c := range items[i].Classes {
			want[s][c]--
			count[c]--
		}
		if s == 0 {
			a = append(a, items[i])
		} else {
			b = append(b, items[i])
		}
	}
	for left > 0 {
		// the class with the fewest images still to place
		rare := -1
		for c, k := range count {
			if k > 0 && (rare < 0 || k < count[rare]) {
				rare = c
			}
		}
		for _, i := range order {
			if placed[i] || rare >= 0 && !hasClass(items[i], rare) {
				continue
			}
			s := 0
			switch {
			case capacity[0] <= 0:
				s = 1
			case capacity[1] <= 0:
				s = 0
			case rare >= 0 && want[0][rare] != want[1][rare]:
				if want[1][rare] > want[0][rare] {
					s = 1
				}
			case capacity[1] > capacity[0]:
				s = 1
			}
			assign(i, s)
		}
	}
	return a, b
}

func hasClass(it SplitItem, c int) bool {
	for _, x := range it.Classes {
		if x == c {
			return true
		}
	}
	return false
}

// SplitPlan is a split of a dataset ready to be written.
type SplitPlan struct {
	Split
	Classes    []string
	Counts     map[string][]int // split name -> images containing each class
	Skipped    []Issue          // annotations left out, and why
	WroteClass bool             // classes.txt was derived and needs writing
	boxes      map[string][]refBox
	images     map[string]string
}

type refBox struct {
	b   Box
	cls int
}

// SplitSource is a dataset's annotations as read for splitting, so that
// a split can be planned again with other options (the Dataset tab's
// preview follows each keystroke) without reading every file again. It is
// not changed by planning, so goroutines may share it.
type SplitSource struct {
	ds      *Dataset
	classes []string // classes.txt's, when it exists
	fixed   bool
	anns    []splitAnn
	skipped []Issue
}

type splitAnn struct {
	id, image, xml string
	objects        []Object
}

// ReadSplitSource reads the class list and every annotation that has an
// image; the others are noted as skipped.
func ReadSplitSource(ds *Dataset) (*SplitSource, error) {
	src := &SplitSource{ds: ds}
	if cp := ds.ClassesPath(); fileExists(cp) {
		c, err := ReadClasses(cp)
		if err != nil {
			return nil, err
		}
		src.classes, src.fixed = c, true
	}
	fr := newFileReader(ds.AnnDir, ds.ImageDir)
	defer fr.close()
	for _, it := range ds.Items {
		if it.XML == "" {
			continue
		}
		if it.Image == "" {
			src.skipped = append(src.skipped, Issue{Severity: SevWarning, Code: "image-missing", File: it.XML, Message: "no image: left out of the split"})
			continue
		}
		a, err := fr.annotation(it.XML)
		if err != nil {
			src.skipped = append(src.skipped, Issue{Severity: SevWarning, Code: "xml-invalid", File: it.XML, Message: "does not parse: left out of the split"})
			continue
		}
		// a picture check calls an error (truncated, unsupported, too
		// large) is never listed for training
		if bad := imageError(it, fr); bad != nil {
			bad.Severity, bad.Message = SevWarning, bad.Message+": left out of the split"
			src.skipped = append(src.skipped, *bad)
			continue
		}
		src.anns = append(src.anns, splitAnn{id: it.ID, image: it.Image, xml: it.XML, objects: a.Objects})
	}
	return src, nil
}

// imageError is the first error check finds in an item's picture (its
// cheap check: header, size, end marker), or nil.
func imageError(it Item, fr itemSource) *Issue {
	var r itemResult
	r.checkImage(it.Image, fr, false)
	for _, iss := range r.issues {
		if iss.Severity == SevError {
			return &iss
		}
	}
	return nil
}

// PlanSplit reads a dataset's annotations and splits its labelled images.
// The class list is classes.txt when it exists (an annotation naming a
// class it lacks is an error, since silently adding one would renumber
// nothing but still surprise), else derived from the annotations.
func PlanSplit(ds *Dataset, opt SplitOptions) (*SplitPlan, error) {
	src, err := ReadSplitSource(ds)
	if err != nil {
		return nil, err
	}
	return src.Plan(opt)
}

// Plan splits the source's labelled images with opt (see PlanSplit).
func (src *SplitSource) Plan(opt SplitOptions) (*SplitPlan, error) {
	ds := src.ds
	p := &SplitPlan{boxes: map[string][]refBox{}, images: map[string]string{}, Counts: map[string][]int{},
		Skipped: append([]Issue(nil), src.skipped...)}
	classes := append([]string(nil), src.classes...)
	fixed := src.fixed
	idx := map[string]int{}
	for i, c := range classes {
		idx[c] = i
	}
	var items []SplitItem
	for _, an := range src.anns {
		si := SplitItem{ID: an.id}
		seen := map[int]bool{}
		for _, o := range an.objects {
			if o.Difficult && opt.SkipDifficult {
				continue
			}
			c, ok := idx[o.Name]
			if !ok {
				if fixed {
					return nil, fmt.Errorf("%s: class %q is not in %s; add it there (after the existing classes) or fix the label", an.xml, o.Name, ds.ClassesPath())
				}
				c = len(classes)
				classes = append(classes, o.Name)
				idx[o.Name] = c
			}
			p.boxes[an.id] = append(p.boxes[an.id], refBox{o.Box, c})
			if !seen[c] {
				seen[c] = true
				si.Classes = append(si.Classes, c)
			}
		}
		p.images[an.id] = an.image
		items = append(items, si)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no labelled images to split", ds.Root)
	}
	p.Classes = classes
	p.WroteClass = !fixed
	p.Split = MakeSplit(items, len(classes), opt)
	byID := map[string][]int{}
	for _, it := range items {
		byID[it.ID] = it.Classes
	}
	for name, list := range map[string][]string{"train": p.Train, "val": p.Val, "test": p.Test} {
		counts := make([]int, len(classes))
		for _, id := range list {
			for _, c := range byID[id] {
				counts[c]++
			}
		}
		p.Counts[name] = counts
	}
	return p, nil
}

// WriteImageSets writes ImageSets/Main/{trainval,train,val,test}.txt under
// the dataset root, and classes.txt if it was derived.
func (p *SplitPlan) WriteImageSets(ds *Dataset) error {
	dir := filepath.Join(ds.Root, "ImageSets", "Main")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, list := range map[string][]string{"trainval": p.TrainVal, "train": p.Train, "val": p.Val, "test": p.Test} {
		if err := atomicfile.WriteFile(filepath.Join(dir, name+".txt"), []byte(joinLines(list)), 0o644); err != nil {
			return err
		}
	}
	if p.WroteClass {
		return WriteClasses(ds.ClassesPath(), p.Classes)
	}
	return nil
}

// CheckReferencePaths refuses paths the reference trainer would misread:
// its list parser splits each line on spaces.
func (p *SplitPlan) CheckReferencePaths() error {
	for _, id := range append(append([]string{}, p.Train...), p.Val...) {
		abs, err := filepath.Abs(p.images[id])
		if err != nil {
			return err
		}
		if strings.IndexFunc(abs, unicode.IsSpace) >= 0 {
			return fmt.Errorf("cannot write the reference's 2007_*.txt lists: the image path %q contains a space, and the reference trainer splits each line on spaces; rename the folder or file, or pass --reference=false to write only ImageSets", abs)
		}
	}
	return nil
}

// WriteReferenceLists writes 2007_train.txt and 2007_val.txt in the
// PyTorch reference's format: "ABS_IMAGE_PATH x1,y1,x2,y2,cls ..." with
// integer coordinates, as its voc_annotation.py writes them.
func (p *SplitPlan) WriteReferenceLists(ds *Dataset) error {
	if err := p.CheckReferencePaths(); err != nil {
		return err
	}
	for name, list := range map[string][]string{"2007_train.txt": p.Train, "2007_val.txt": p.Val} {
		var sb strings.Builder
		for _, id := range list {
			abs, _ := filepath.Abs(p.images[id])
			sb.WriteString(abs)
			for _, rb := range p.boxes[id] {
				fmt.Fprintf(&sb, " %s,%s,%s,%s,%d", trunc(rb.b.Xmin), trunc(rb.b.Ymin), trunc(rb.b.Xmax), trunc(rb.b.Ymax), rb.cls)
			}
			sb.WriteByte('\n')
		}
		if err := atomicfile.WriteFile(filepath.Join(ds.Root, name), []byte(sb.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// trunc is Python's int(float(s)), which the reference applies.
func trunc(v float64) string { return strconv.Itoa(int(v)) }

func joinLines(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return strings.Join(list, "\n") + "\n"
}

// ReadImageSet reads ImageSets/Main/SPLIT.txt, the ids of a split.
func ReadImageSet(ds *Dataset, split string) ([]string, error) {
	p := filepath.Join(ds.Root, "ImageSets", "Main", split+".txt")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("%s is missing: run 'labelloop split %s' first", p, ds.Root)
	}
	var ids []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ids = append(ids, l)
		}
	}
	return ids, nil
}
