package voc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Layout is how a dataset folder is organised.
type Layout string

const (
	LayoutVOC   Layout = "vocdevkit" // Annotations/ + JPEGImages/ (+ ImageSets/Main/)
	LayoutSplit Layout = "images+annotations"
	LayoutFlat  Layout = "flat" // images and XML side by side
)

// Item is one image and its annotation, matched by base name. Either path
// may be empty: an unlabelled image, or XML whose image is missing.
type Item struct {
	ID    string // base name without extension
	Image string
	XML   string
}

// Dataset is a discovered dataset folder.
type Dataset struct {
	Root     string
	Layout   Layout
	ImageDir string
	AnnDir   string
	Items    []Item
	// Ambiguous lists image files that share a base name with another
	// image (a.jpg and a.png): only the first is paired with a.xml.
	Ambiguous []string
}

func isImageName(name string) bool { return ExtFormat(filepath.Ext(name)) != "" }

// Open discovers a dataset: the VOCdevkit layout (also when given the
// VOCdevkit folder holding a single VOC20xx), images/ + annotations/
// siblings, or a flat folder. It lists folders only: no file is read.
func Open(root string) (*Dataset, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", root)
	}
	ds := &Dataset{Root: root}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	dirs := map[string]string{} // lower-case name -> real name
	var vocSubdirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs[strings.ToLower(e.Name())] = e.Name()
			if strings.HasPrefix(e.Name(), "VOC") {
				vocSubdirs = append(vocSubdirs, e.Name())
			}
		}
	}
	switch {
	case dirs["annotations"] != "" && dirs["jpegimages"] != "":
		ds.Layout = LayoutVOC
		ds.AnnDir = filepath.Join(root, dirs["annotations"])
		ds.ImageDir = filepath.Join(root, dirs["jpegimages"])
	case dirs["images"] != "" && dirs["annotations"] != "":
		ds.Layout = LayoutSplit
		ds.AnnDir = filepath.Join(root, dirs["annotations"])
		ds.ImageDir = filepath.Join(root, dirs["images"])
	case dirs["jpegimages"] != "":
		// photos not labelled yet: their Annotations/ comes with the
		// first save
		ds.Layout = LayoutVOC
		ds.AnnDir = filepath.Join(root, "Annotations")
		ds.ImageDir = filepath.Join(root, dirs["jpegimages"])
	case dirs["vocdevkit"] != "":
		return Open(filepath.Join(root, dirs["vocdevkit"]))
	case len(vocSubdirs) == 1:
		sub := filepath.Join(root, vocSubdirs[0])
		if s, err := Open(sub); err == nil && s.Layout == LayoutVOC {
			return s, nil
		}
		fallthrough
	default:
		ds.Layout = LayoutFlat
		ds.AnnDir = root
		ds.ImageDir = root
	}
	return ds, ds.scan()
}

func (ds *Dataset) scan() error {
	// the two folders are listed at once: on a 10,000-picture set each
	// listing is a third of what opening costs
	var images []string
	var imgErr error
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		images, imgErr = ListFiles(ds.ImageDir, isImageName)
	}()
	xmls, temps, err := listFiles(ds.AnnDir, func(n string) bool { return strings.EqualFold(filepath.Ext(n), ".xml") })
	<-listed
	if imgErr != nil {
		return imgErr
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// annotations half-written by a killed save stay hidden but took room
	// for ever: an old one is no write under way
	atomicfile.RemoveStale(ds.AnnDir, temps)
	byID := make(map[string]int, len(images)+len(xmls))
	for _, name := range images {
		id := strings.TrimSuffix(name, filepath.Ext(name))
		if _, dup := byID[id]; dup {
			ds.Ambiguous = append(ds.Ambiguous, filepath.Join(ds.ImageDir, name))
			continue
		}
		byID[id] = len(ds.Items)
		ds.Items = append(ds.Items, Item{ID: id, Image: filepath.Join(ds.ImageDir, name)})
	}
	for _, name := range xmls {
		id := strings.TrimSuffix(name, filepath.Ext(name))
		p := filepath.Join(ds.AnnDir, name)
		if i, ok := byID[id]; ok {
			ds.Items[i].XML = p
			continue
		}
		byID[id] = len(ds.Items)
		ds.Items = append(ds.Items, Item{ID: id, XML: p})
	}
	sort.Slice(ds.Items, func(i, j int) bool { return NaturalLess(ds.Items[i].ID, ds.Items[j].ID) })
	return nil
}

// ListFiles returns the names of regular files in dir that keep says to,
// sorted so that a.jpg wins over a.png deterministically. Hidden files
// (our own temporaries among them) are skipped.
func ListFiles(dir string, keep func(string) bool) ([]string, error) {
	out, _, err := listFiles(dir, keep)
	return out, err
}

// listFiles is ListFiles, and our own temporaries in the same read.
func listFiles(dir string, keep func(string) bool) (out, temps []string, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	// File.ReadDir leaves the entries unsorted (os.ReadDir sorts them):
	// only the names kept are sorted, once
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && atomicfile.IsTemp(n) {
			temps = append(temps, n)
		}
		if e.IsDir() || strings.HasPrefix(n, ".") || !keep(n) {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, temps, nil
}

// XMLPathFor is where the annotation for an image belongs in this layout.
func (ds *Dataset) XMLPathFor(image string) string {
	base := filepath.Base(image)
	return filepath.Join(ds.AnnDir, strings.TrimSuffix(base, filepath.Ext(base))+".xml")
}

// ClassesPath is where the dataset's class list lives: classes.txt at the
// root, or beside the annotations if only there.
func (ds *Dataset) ClassesPath() string {
	p := filepath.Join(ds.Root, "classes.txt")
	if _, err := os.Stat(p); err != nil {
		if q := filepath.Join(ds.AnnDir, "classes.txt"); q != p {
			if _, err := os.Stat(q); err == nil {
				return q
			}
		}
	}
	return p
}

// NaturalLess orders "img2" before "img10".
func NaturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := a[0], b[0]
		if isDigit(ca) && isDigit(cb) {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			a, b = ra, rb
			continue
		}
		if ca != cb {
			return ca < cb
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}
