package voc

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// benchDataset writes n LabelImg-shaped XML files with 1–4 boxes each and
// a small JPEG beside each (the check reads headers, not pixels).
func benchDataset(tb testing.TB, n int) string {
	root := tb.(interface{ TempDir() string }).TempDir()
	jpg := jpegBytes(tb, 64, 48)
	os.MkdirAll(filepath.Join(root, "Annotations"), 0o755)
	os.MkdirAll(filepath.Join(root, "JPEGImages"), 0o755)
	for i := 0; i < n; i++ {
		img := filepath.Join(root, "JPEGImages", fmt.Sprintf("%06d.jpg", i))
		os.WriteFile(img, jpg, 0o644)
		var objs []Object
		for k := 0; k <= i%4; k++ {
			objs = append(objs, obj([]string{"cat", "dog", "person"}[k%3], float64(k), 2, 40, 30))
		}
		a := NewAnnotation(img, 64, 48, 3)
		a.Objects = objs
		data, _ := a.Marshal()
		os.WriteFile(filepath.Join(root, "Annotations", fmt.Sprintf("%06d.xml", i)), data, 0o644)
	}
	return root
}

func bestOf(runs int, f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for i := 0; i < runs; i++ {
		t := time.Now()
		f()
		best = min(best, time.Since(t))
	}
	return best
}

// TestBenchCheck10k is `make bench`'s dataset figure: open + check 10,000
// annotated images, against the reference's Python parse of the same XML.
func TestBenchCheck10k(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	root := benchDataset(t, 10000)
	check := func(workers int) func() {
		return func() {
			ds, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Check(ds, CheckOptions{Workers: workers})
			if err != nil || rep.Errors() != 0 || rep.Summary.Boxes != 25000 {
				t.Fatalf("check: %v, %d errors, %d boxes", err, rep.Errors(), rep.Summary.Boxes)
			}
		}
	}
	check(0)() // warm the page cache for both sides alike
	// Go and Python alternate, pair by pair, so both see the same machine
	// load; the figure is the median of the pairs' ratios.
	const pairs = 9
	var goAll, goOne, pyDur []time.Duration
	var ratios []float64
	for i := 0; i < pairs; i++ {
		g := bestOf(1, check(0))
		p := pythonParse(t, filepath.Join(root, "Annotations"))
		goAll, pyDur = append(goAll, g), append(pyDur, p)
		ratios = append(ratios, float64(p)/float64(g))
		goOne = append(goOne, bestOf(1, check(1)))
	}
	ratio := median(ratios)
	t.Logf("10,000 XML + image headers, median of %d interleaved runs:", pairs)
	t.Logf("  labelloop check (%d workers)   %8.1f ms", runtime.GOMAXPROCS(0), ms(median(goAll)))
	t.Logf("  labelloop check (1 worker)     %8.1f ms", ms(median(goOne)))
	t.Logf("  python xml.etree parse only    %8.1f ms", ms(median(pyDur)))
	t.Logf("  ratio python / labelloop       %8.2fx (median of pair ratios)", ratio)
	if median(goAll) > time.Second {
		t.Errorf("check took %v, bar is 1 s", median(goAll))
	}
	if ratio < 3 {
		t.Errorf("only %.2fx faster than python, bar is 3x", ratio)
	}
}

func pythonParse(t *testing.T, dir string) time.Duration {
	out, err := exec.Command("/usr/bin/python3", "../scripts/bench_voc_python.py", dir, "1").Output()
	if err != nil {
		t.Fatalf("python baseline: %v", err)
	}
	var py struct {
		Seconds float64
		Boxes   int
	}
	if err := json.Unmarshal(out, &py); err != nil || py.Boxes != 25000 {
		t.Fatalf("python baseline output %q: %v", out, err)
	}
	return time.Duration(py.Seconds * float64(time.Second))
}

func median[T time.Duration | float64](v []T) T {
	s := append([]T(nil), v...)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// The reader against etree's own, on a LabelImg file (go test -bench).
func BenchmarkParseXML(b *testing.B) {
	data, _ := os.ReadFile("testdata/labelimg.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parseXML(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseXMLEtreeBaseline(b *testing.B) {
	data, _ := os.ReadFile("testdata/labelimg.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := etree.NewDocument().ReadFromBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanAnnotation(b *testing.B) {
	data, _ := os.ReadFile("testdata/labelimg.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ScanAnnotation(data); err != nil {
			b.Fatal(err)
		}
	}
}
