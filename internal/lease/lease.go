// Package lease shares one open resource (an ONNX Runtime detector) among
// goroutines that each use it for a while: a picture's detection, a video
// player, a save. Asking for another key (a new model, another thread
// count) opens a new one; the old one is closed when its last lease ends,
// never under a goroutine still using it.
package lease

import (
	"errors"
	"sync"
)

// Holder keeps the current resource, opened by open for a key.
type Holder[K comparable, T interface{ Close() error }] struct {
	open func(K) (T, error)

	mu  sync.Mutex
	cur *entry[K, T]
	// closeErr receives errors of closes that happen when a lease ends
	// (nobody is there to return them to); nil drops them.
	closeErr func(error)
}

type entry[K comparable, T interface{ Close() error }] struct {
	key     K
	val     T
	leases  int
	retired bool // no longer current: closes when leases reach 0
}

// New makes a holder that opens resources with open. onCloseErr (may be
// nil) hears errors of closes done when a retired resource's last lease
// ends.
func New[K comparable, T interface{ Close() error }](open func(K) (T, error), onCloseErr func(error)) *Holder[K, T] {
	return &Holder[K, T]{open: open, closeErr: onCloseErr}
}

// Lease is one user's hold on a resource; Release it when done (more than
// once is harmless).
type Lease[T any] struct {
	Value   T
	release func()
	once    sync.Once
}

// Release ends the lease.
func (l *Lease[T]) Release() { l.once.Do(l.release) }

// ErrClosed is Get's error after Close.
var ErrClosed = errors.New("the holder is closed")

// Get leases the resource for key, opening it when the current one has
// another key (the current one then retires). Opening happens under the
// holder's lock, so two callers asking for the same new key open it once.
func (h *Holder[K, T]) Get(key K) (*Lease[T], error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open == nil {
		return nil, ErrClosed
	}
	if h.cur == nil || h.cur.key != key {
		v, err := h.open(key)
		if err != nil {
			return nil, err
		}
		h.retire()
		h.cur = &entry[K, T]{key: key, val: v}
	}
	e := h.cur
	e.leases++
	return &Lease[T]{Value: e.val, release: func() { h.release(e) }}, nil
}

// retire takes the current entry out of use; it closes now when nobody
// holds it. h.mu is held.
func (h *Holder[K, T]) retire() {
	if e := h.cur; e != nil {
		h.cur, e.retired = nil, true
		if e.leases == 0 {
			h.closeNow(e)
		}
	}
}

func (h *Holder[K, T]) release(e *entry[K, T]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e.leases--
	if e.leases == 0 && e.retired {
		h.closeNow(e)
	}
}

func (h *Holder[K, T]) closeNow(e *entry[K, T]) {
	if err := e.val.Close(); err != nil && h.closeErr != nil {
		h.closeErr(err)
	}
}

// Close retires the current resource (closed now, or when its last lease
// ends) and makes later Gets fail.
func (h *Holder[K, T]) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.retire()
	h.open = nil
}
