package imgload

import (
	"image"
	"sync"
	"sync/atomic"
)

// Cache holds the last few pictures and loads new ones in the background;
// concurrent requests for one path share one decode.
type Cache struct {
	MaxSide int
	// ScreenSide, when set, is the long side pictures are shown at when
	// fitted: pictures are then decoded for that side (a JPEG at the DCT
	// scale that reaches it, others brought down to it as Screen), which
	// is what a next-image step waits for; Detail decodes for MaxSide
	// when a person zooms in.
	ScreenSide atomic.Int64
	mu         sync.Mutex
	entries    map[string]*entry
	order      []string // least recently used first
	size       int
	load       func(path string, maxSide int) (*Picture, error)
	detail     *entry // the last Detail, shared by repeated requests
	detailPath string
}

type entry struct {
	done chan struct{}
	pic  *Picture
	err  error
}

// NewCache keeps up to size pictures, decoded for maxSide.
func NewCache(size, maxSide int) *Cache {
	return &Cache{MaxSide: maxSide, entries: map[string]*entry{}, size: size, load: Load}
}

// Get returns the picture, decoding it if no load is under way.
func (c *Cache) Get(path string) (*Picture, error) {
	e := c.start(path)
	<-e.done
	return e.pic, e.err
}

// Prefetch starts loading paths that are not cached yet.
func (c *Cache) Prefetch(paths ...string) {
	for _, p := range paths {
		if p != "" {
			c.start(p)
		}
	}
}

// Cached reports whether path is decoded and ready.
func (c *Cache) Cached(path string) bool {
	c.mu.Lock()
	e := c.entries[path]
	c.mu.Unlock()
	if e == nil {
		return false
	}
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// Forget drops path (after the file changed on disk).
func (c *Cache) Forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, path)
	c.touch(path, false)
	if c.detailPath == path {
		c.detail, c.detailPath = nil, ""
	}
}

func (c *Cache) start(path string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[path]; ok {
		c.touch(path, true)
		return e
	}
	e := &entry{done: make(chan struct{})}
	c.entries[path] = e
	c.touch(path, true)
	for len(c.order) > c.size {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	side := int(c.ScreenSide.Load())
	go func() {
		if side <= 0 {
			e.pic, e.err = c.load(path, c.MaxSide)
		} else {
			e.pic, e.err = c.load(path, side)
			// a JPEG comes from the DCT at most an eighth larger than
			// the screen; a PNG or a Go-decoded JPEG still needs a copy
			if e.err == nil && e.pic != nil && longSide(e.pic.Img) > side*5/4 {
				e.pic.Screen = ScreenCopy(e.pic.Img, side)
			}
		}
		close(e.done)
	}()
	return e
}

// Detail is path decoded for MaxSide, for a view zoomed in beyond the
// screen-size picture; the last one is kept.
func (c *Cache) Detail(path string) (*Picture, error) {
	c.mu.Lock()
	e := c.detail
	if e == nil || c.detailPath != path {
		e = &entry{done: make(chan struct{})}
		c.detail, c.detailPath = e, path
		go func() {
			e.pic, e.err = c.load(path, c.MaxSide)
			close(e.done)
		}()
	}
	c.mu.Unlock()
	<-e.done
	return e.pic, e.err
}

func longSide(img interface{ Bounds() image.Rectangle }) int {
	b := img.Bounds()
	return max(b.Dx(), b.Dy())
}

func (c *Cache) touch(path string, add bool) {
	for i, p := range c.order {
		if p == path {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	if add {
		c.order = append(c.order, path)
	}
}
