package voc

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSplitStratifiedWithinOneImage(t *testing.T) {
	// 3 classes with very different frequencies, one class per image.
	var items []SplitItem
	for i := 0; i < 500; i++ {
		c := 0
		if i%10 == 0 {
			c = 1
		}
		if i%50 == 1 {
			c = 2
		}
		items = append(items, SplitItem{ID: fmt.Sprintf("img%d", i), Classes: []int{c}})
	}
	for i := 0; i < 7; i++ { // background images
		items = append(items, SplitItem{ID: fmt.Sprintf("bg%d", i)})
	}
	opt := DefaultSplitOptions()
	for seed := uint64(0); seed < 5; seed++ {
		opt.Seed = seed
		s := MakeSplit(items, 3, opt)
		if len(s.Train)+len(s.Val) != len(s.TrainVal) || len(s.TrainVal)+len(s.Test) != len(items) {
			t.Fatalf("sizes %d %d %d %d", len(s.TrainVal), len(s.Train), len(s.Val), len(s.Test))
		}
		if math.Abs(float64(len(s.TrainVal))-0.9*float64(len(items))) > 1 {
			t.Fatalf("trainval %d of %d", len(s.TrainVal), len(items))
		}
		class := map[string]int{}
		total := make([]int, 3)
		for _, it := range items {
			if len(it.Classes) > 0 {
				class[it.ID] = it.Classes[0]
				total[it.Classes[0]]++
			} else {
				class[it.ID] = -1
			}
		}
		count := func(ids []string) []int {
			n := make([]int, 3)
			for _, id := range ids {
				if c := class[id]; c >= 0 {
					n[c]++
				}
			}
			return n
		}
		tv, tr := count(s.TrainVal), count(s.Train)
		for c := 0; c < 3; c++ {
			if d := math.Abs(float64(tv[c]) - 0.9*float64(total[c])); d > 1 {
				t.Errorf("seed %d class %d: trainval has %d of %d", seed, c, tv[c], total[c])
			}
			if d := math.Abs(float64(tr[c]) - 0.9*float64(tv[c])); d > 1 {
				t.Errorf("seed %d class %d: train has %d of %d", seed, c, tr[c], tv[c])
			}
		}
	}
	a, b := MakeSplit(items, 3, opt), MakeSplit(items, 3, opt)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different split")
	}
	opt.Seed = 99
	if c := MakeSplit(items, 3, opt); reflect.DeepEqual(a.Test, c.Test) {
		t.Fatal("seed has no effect")
	}
	opt.Stratify = false
	if c := MakeSplit(items, 3, opt); len(c.TrainVal) != len(a.TrainVal) {
		t.Fatalf("unstratified sizes %d vs %d", len(c.TrainVal), len(a.TrainVal))
	}
}

func splitDataset(t *testing.T, dirName string) (string, *Dataset) {
	root := filepath.Join(t.TempDir(), dirName)
	jpg := jpegBytes(t, 64, 48)
	for i := 0; i < 40; i++ {
		img := filepath.Join(root, "JPEGImages", fmt.Sprintf("im %02d.jpg", i))
		if !strings.Contains(dirName, " ") {
			img = filepath.Join(root, "JPEGImages", fmt.Sprintf("ïm%02d.jpg", i))
		}
		writeFile(t, img, jpg)
		name := []string{"cat", "dog"}[i%2]
		o := obj(name, 1.9, 2, 30.7, 40)
		hard := Object{Name: "dog", Difficult: true, Box: Box{5, 5, 9, 9}}
		xml := filepath.Join(root, "Annotations", strings.TrimSuffix(filepath.Base(img), ".jpg")+".xml")
		writeAnn(t, xml, img, 64, 48, o, hard)
	}
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, ds
}

func TestPlanAndWriteSplit(t *testing.T) {
	root, ds := splitDataset(t, "data")
	plan, err := PlanSplit(ds, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.WriteImageSets(ds); err != nil {
		t.Fatal(err)
	}
	if err := plan.WriteReferenceLists(ds); err != nil {
		t.Fatal(err)
	}
	read := func(n string) []string {
		b, err := os.ReadFile(filepath.Join(root, n))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	if len(read("ImageSets/Main/trainval.txt")) != 36 || len(read("ImageSets/Main/test.txt")) != 4 ||
		len(read("ImageSets/Main/train.txt")) != 32 || len(read("ImageSets/Main/val.txt")) != 4 {
		t.Fatal("split sizes")
	}
	if got := read("classes.txt"); !reflect.DeepEqual(got, []string{"cat", "dog"}) {
		t.Fatalf("derived classes %v", got)
	}
	train := read("2007_train.txt")
	abs, _ := filepath.Abs(filepath.Join(root, "JPEGImages"))
	if len(train) != 32 || !strings.HasPrefix(train[0], abs+"/ïm") {
		t.Fatalf("reference list %q", train[0])
	}
	f := strings.Fields(train[0])
	// written as integers (1.9 -> 2, 30.7 -> 31); the difficult box is skipped
	if len(f) != 2 || (f[1] != "2,2,31,40,0" && f[1] != "2,2,31,40,1") {
		t.Fatalf("reference line %q (difficult box must be skipped, coords truncated)", train[0])
	}
	if c := plan.Counts["train"]; c[0]+c[1] != 32 || c[0] < 15 || c[1] < 15 {
		t.Fatalf("counts %v", plan.Counts)
	}
	// deterministic: a second plan writes identical files
	before := read("ImageSets/Main/train.txt")
	plan2, _ := PlanSplit(ds, DefaultSplitOptions())
	plan2.WriteImageSets(ds)
	if !reflect.DeepEqual(before, read("ImageSets/Main/train.txt")) {
		t.Fatal("split not deterministic")
	}
	// keeping difficult boxes puts them in the reference list
	opt := DefaultSplitOptions()
	opt.SkipDifficult = false
	plan3, _ := PlanSplit(ds, opt)
	plan3.WriteReferenceLists(ds)
	if f := strings.Fields(read("2007_train.txt")[0]); len(f) != 3 {
		t.Fatalf("difficult box missing: %v", f)
	}
}

func TestSplitRefusesSpacesForReferenceOnly(t *testing.T) {
	root, ds := splitDataset(t, "my data")
	plan, err := PlanSplit(ds, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.WriteImageSets(ds); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "ImageSets/Main/train.txt"))
	if !strings.Contains(string(b), "im 0") {
		t.Fatalf("ids with spaces: %q", b)
	}
	err = plan.WriteReferenceLists(ds)
	if err == nil || !strings.Contains(err.Error(), "contains a space") {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "2007_train.txt")); err == nil {
		t.Fatal("reference list written despite refusal")
	}
}

func TestPlanSplitUnknownClassIsAnError(t *testing.T) {
	root, ds := splitDataset(t, "d")
	os.WriteFile(filepath.Join(root, "classes.txt"), []byte("cat\n"), 0o644)
	_, err := PlanSplit(ds, DefaultSplitOptions())
	if err == nil || !strings.Contains(err.Error(), `class "dog" is not in`) {
		t.Fatalf("err %v", err)
	}
}

func TestTruncIsPythonInt(t *testing.T) {
	for v, want := range map[float64]string{30.7: "30", 2: "2", 0.99: "0"} {
		if got := trunc(v); got != want {
			t.Errorf("trunc(%g) = %s", v, got)
		}
	}
}

// A picture that check calls an error (here cut short, as a failed copy
// leaves it) is left out of the split, and said so: never listed for
// training.
func TestSplitLeavesOutBrokenPictures(t *testing.T) {
	root, _ := splitDataset(t, "data")
	cut := filepath.Join(root, "JPEGImages", "ïm07.jpg")
	b, err := os.ReadFile(cut)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cut, b[:len(b)*2/3])
	ds, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanSplit(ds, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{plan.Train, plan.Val, plan.Test} {
		if slices.Contains(list, "ïm07") {
			t.Fatal("the truncated picture is in the split")
		}
	}
	if len(plan.Skipped) != 1 || plan.Skipped[0].File != cut || !strings.Contains(plan.Skipped[0].Message, "truncated") {
		t.Fatalf("skipped %+v", plan.Skipped)
	}
}
