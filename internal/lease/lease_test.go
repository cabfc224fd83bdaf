package lease

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// res is a resource that notices use after close and double closes.
type res struct {
	key    int
	inUse  atomic.Int32
	closed atomic.Bool
	bad    *atomic.Int32 // uses after close, closes while in use, double closes
}

func (r *res) use() {
	r.inUse.Add(1)
	if r.closed.Load() {
		r.bad.Add(1)
	}
	r.inUse.Add(-1)
}

func (r *res) Close() error {
	if r.inUse.Load() != 0 || r.closed.Swap(true) {
		r.bad.Add(1)
	}
	return nil
}

// Goroutines lease, use and release while others switch the key: no
// resource is closed while leased or used after its close, and every one
// opened is closed once all leases end and the holder closes. Run under
// -race (make test does for internal/...).
func TestLeasesUnderSwitching(t *testing.T) {
	var bad atomic.Int32
	var mu sync.Mutex
	var opened []*res
	h := New(func(k int) (*res, error) {
		r := &res{key: k, bad: &bad}
		mu.Lock()
		opened = append(opened, r)
		mu.Unlock()
		return r, nil
	}, nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				l, err := h.Get((g + i) % 3) // keys change under the others' feet
				if err != nil {
					t.Error(err)
					return
				}
				if l.Value.key != (g+i)%3 {
					t.Errorf("asked for key %d, got %d", (g+i)%3, l.Value.key)
				}
				for k := 0; k < 5; k++ {
					l.Value.use()
				}
				l.Release()
				l.Release() // twice is harmless
			}
		}()
	}
	wg.Wait()
	h.Close()
	if bad.Load() != 0 {
		t.Fatalf("%d uses after close, closes while in use, or double closes", bad.Load())
	}
	for _, r := range opened {
		if !r.closed.Load() {
			t.Fatalf("resource %d never closed (%d opened)", r.key, len(opened))
		}
	}
	if _, err := h.Get(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

// A resource retired while leased stays open until the lease ends; the
// same key is not opened twice; an open error leaves the current one.
func TestRetiredWaitsForLastLease(t *testing.T) {
	var bad atomic.Int32
	opens := 0
	h := New(func(k int) (*res, error) {
		if k < 0 {
			return nil, fmt.Errorf("no model %d", k)
		}
		opens++
		return &res{key: k, bad: &bad}, nil
	}, nil)
	a, _ := h.Get(1)
	a2, _ := h.Get(1)
	if opens != 1 || a.Value != a2.Value {
		t.Fatalf("%d opens for one key", opens)
	}
	if _, err := h.Get(-1); err == nil {
		t.Fatal("open error not returned")
	}
	b, _ := h.Get(2)
	if a.Value.closed.Load() {
		t.Fatal("closed while two leases hold it")
	}
	a.Release()
	if a.Value.closed.Load() {
		t.Fatal("closed while one lease holds it")
	}
	a2.Release()
	if !a.Value.closed.Load() {
		t.Fatal("not closed after its last lease")
	}
	h.Close()
	if b.Value.closed.Load() {
		t.Fatal("Close closed a leased resource")
	}
	b.Release()
	if !b.Value.closed.Load() || bad.Load() != 0 {
		t.Fatalf("closed %v, bad %d", b.Value.closed.Load(), bad.Load())
	}
}

type failing struct{}

func (failing) Close() error { return errors.New("session busy") }

// A close error at the end of a lease is heard, not dropped.
func TestCloseErrorReported(t *testing.T) {
	var got error
	h := New(func(int) (failing, error) { return failing{}, nil }, func(err error) { got = err })
	l, _ := h.Get(1)
	h.Close()
	l.Release()
	if got == nil {
		t.Fatal("the close error was dropped")
	}
}
