package detect

import (
	"image"
	"sync"
	"sync/atomic"

	"github.com/labelloop/labelloop/internal/pix"
)

// Stream makes the network's input from a picture while it is decoded
// (pix.DecodeRows): the resize's horizontal pass runs on another
// goroutine over the rows already final, so by the end of the decode
// little is left but the vertical pass, done on two goroutines. The
// input is Preprocess's to the byte. Use: Rows as DecodeRows' callback,
// then Finish, or Abort if the decode failed.
type Stream struct {
	size      int
	letterbox bool
	dst       []float32

	f      Frame
	nw, nh int
	z      *pix.Resizer

	mu      sync.Mutex
	more    *sync.Cond
	ready   int          // rows of the picture final so far
	closed  bool         // no more rows will come
	claimed atomic.Int64 // rows the horizontal pass has taken on
	worker  sync.WaitGroup
}

// NewStream checks size and dst as Preprocess does.
func NewStream(size int, letterbox bool, dst []float32) (*Stream, error) {
	if err := checkInput(size, dst); err != nil {
		return nil, err
	}
	s := &Stream{size: size, letterbox: letterbox, dst: dst}
	s.more = sync.NewCond(&s.mu)
	return s, nil
}

// Rows is told that rows [0, n) of img are final; the first call sets the
// input up for img's size.
func (s *Stream) Rows(img *image.RGBA, n int) {
	if s.z == nil {
		w, h := img.Rect.Dx(), img.Rect.Dy()
		if w < 1 || h < 1 {
			return // Finish reports it
		}
		s.f, s.nw, s.nh = layout(w, h, s.size, s.letterbox, s.dst)
		s.z = pix.NewResizer(img, s.nw, s.nh, image.Rect(0, 0, s.nw, s.nh))
		s.worker.Add(1)
		go s.across()
	}
	s.mu.Lock()
	s.ready = max(s.ready, n)
	s.mu.Unlock()
	s.more.Signal()
}

// across runs the horizontal pass over rows as they become final.
func (s *Stream) across() {
	defer s.worker.Done()
	for {
		s.mu.Lock()
		for s.ready == int(s.claimed.Load()) && !s.closed {
			s.more.Wait()
		}
		ready, closed := s.ready, s.closed
		s.mu.Unlock()
		s.acrossTo(ready) // once closed, shared with Finish
		if closed {
			return
		}
	}
}

// acrossTo runs the horizontal pass over the rows not yet claimed below
// ready, a few at a time, so that two goroutines can share them.
func (s *Stream) acrossTo(ready int) {
	const step = 8
	for {
		c := int(s.claimed.Load())
		if c >= ready {
			return
		}
		end := min(c+step, ready)
		if s.claimed.CompareAndSwap(int64(c), int64(end)) {
			s.z.Across(c, end)
		}
	}
}

// stop tells the worker no more rows come; with help, the caller takes
// its share of the rows left; then it waits for the worker.
func (s *Stream) stop(help bool) {
	s.mu.Lock()
	s.closed = true
	ready := s.ready
	s.mu.Unlock()
	s.more.Signal()
	if help && s.z != nil {
		s.acrossTo(ready)
	}
	s.worker.Wait()
}

// Finish completes the input once every row has been given, and returns
// where the picture sits in it.
func (s *Stream) Finish() (Frame, error) {
	s.stop(true)
	if s.z == nil {
		return s.f, checkPicture(image.NewRGBA(image.Rectangle{}), 0, 0)
	}
	halves(func(ya, yb int) { s.z.Down(ya, yb, toPlanes(s.dst, s.size, int(s.f.DX), int(s.f.DY))) }, 0, s.nh)
	return s.f, nil
}

// Abort ends a stream whose decode failed: no goroutine of it writes to
// dst after it returns.
func (s *Stream) Abort() { s.stop(false) }
