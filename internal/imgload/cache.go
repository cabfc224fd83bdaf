package imgload

import (
	"sync"
	"sync/atomic"
)

// Cache holds the last few pictures and loads new ones in the background;
// concurrent requests for one path share one decode.
type Cache struct {
	MaxSide int
	// ScreenSide, when set, is the long side pictures are shown at when
	// fitted: each decoded picture also gets a Screen copy of that size.
	ScreenSide atomic.Int64
	mu         sync.Mutex
	entries    map[string]*entry
	order      []string // least recently used first
	size       int
	load       func(path string, maxSide int) (*Picture, error)
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
	go func() {
		e.pic, e.err = c.load(path, c.MaxSide)
		if e.err == nil && e.pic != nil {
			e.pic.Screen = ScreenCopy(e.pic.Img, int(c.ScreenSide.Load()))
		}
		close(e.done)
	}()
	return e
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
