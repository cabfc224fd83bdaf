package voc

import (
	"fmt"
	"os"
	"path/filepath"
)

// imageHead is how much of an image the batch reads up front: the header
// of nearly every JPEG, PNG or BMP; rarer large EXIF blocks fall back.
const imageHead = 16 << 10

// prefetcher reads the annotation and image of a batch of items through
// io_uring, then serves them to checkItem; whatever the batch did not
// capture is read through the fileReader instead.
type prefetcher struct {
	u     *uring
	fr    *fileReader
	files []batchFile
	xml   []int // per item: index into files, or -1
	img   []int
}

// newPrefetcher returns nil when io_uring is unavailable (old kernel,
// seccomp) or disabled with LABELLOOP_NO_URING=1.
func newPrefetcher(fr *fileReader, items int) *prefetcher {
	if os.Getenv("LABELLOOP_NO_URING") != "" {
		return nil
	}
	u, err := newURing(2 * items)
	if err != nil {
		return nil
	}
	p := &prefetcher{u: u, fr: fr, files: make([]batchFile, 0, 2*items), xml: make([]int, items), img: make([]int, items)}
	return p
}

func (p *prefetcher) close() {
	if p != nil {
		p.u.close()
	}
}

func (p *prefetcher) add(path string, head, tail int) int {
	dfd, ok := p.fr.dirs[filepath.Dir(path)]
	if path == "" || !ok {
		return -1
	}
	i := len(p.files)
	p.files = p.files[:i+1]
	f := &p.files[i]
	f.dirfd = dfd
	f.name = append(append(f.name[:0], filepath.Base(path)...), 0)
	if len(f.head) != head {
		f.head = make([]byte, head)
	}
	if tail == 0 {
		f.tail = nil
	} else if len(f.tail) != tail {
		f.tail = make([]byte, tail)
	}
	return i
}

func (p *prefetcher) load(items []Item) {
	p.files = p.files[:0]
	for k, it := range items {
		p.xml[k] = p.add(it.XML, headSize, 0)
		p.img[k] = p.add(it.Image, imageHead, tailWindow)
	}
	if p.u.readBatch(p.files) != nil {
		for k := range items { // the ring failed as a whole: read plainly
			p.xml[k], p.img[k] = -1, -1
		}
	}
}

func (p *prefetcher) view(k int) itemSource { return prefetchView{p, k} }

type prefetchView struct {
	p *prefetcher
	k int
}

func (v prefetchView) annotation(path string) (*Annotation, error) {
	i := v.p.xml[v.k]
	if i < 0 || !v.p.files[i].whole() && v.p.files[i].err == nil {
		return v.p.fr.annotation(path)
	}
	f := &v.p.files[i]
	if f.err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: f.err}
	}
	a, err := v.p.fr.sink.scan(f.head[:f.n])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func (v prefetchView) imageInfo(path string) (ImageInfo, error) {
	i := v.p.img[v.k]
	if i < 0 {
		return v.p.fr.imageInfo(path)
	}
	f := &v.p.files[i]
	switch {
	case f.err != nil:
		return ImageInfo{}, &os.PathError{Op: "read", Path: path, Err: f.err}
	case f.n == 0:
		return ImageInfo{}, errEmptyFile
	case f.whole():
		return readImageInfo(&memReaderAt{head: f.head[:f.n], size: int64(f.n)}, int64(f.n))
	}
	info, err := readImageInfo(&memReaderAt{head: f.head[:f.n], tail: f.tail[:f.tn], size: f.size}, f.size)
	if err == errNeedFile {
		return v.p.fr.imageInfo(path)
	}
	return info, err
}
