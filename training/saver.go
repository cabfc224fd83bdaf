package training

import "sync"

// saver writes checkpoints on its own goroutine, in order, so that the
// training step goes on while a hundred MB or more reach the disk with
// fsync (four files per epoch: best, last and the optimizer's two moment
// sets). The tensors are copied out before a job is queued.
type saver struct {
	jobs chan func() error
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
}

func newSaver() *saver {
	s := &saver{jobs: make(chan func() error, 4)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for job := range s.jobs {
			if err := job(); err != nil {
				s.mu.Lock()
				if s.err == nil {
					s.err = err
				}
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// do queues a job and reports the first error of any earlier one.
func (s *saver) do(job func() error) error {
	s.jobs <- job
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// failed reports the first error of any job done so far, without waiting.
func (s *saver) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// flush waits for every queued job and reports the first error.
func (s *saver) flush() error {
	done := make(chan struct{})
	s.jobs <- func() error { close(done); return nil }
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// close flushes and stops the goroutine.
func (s *saver) close() error {
	close(s.jobs)
	s.wg.Wait()
	return s.err
}
