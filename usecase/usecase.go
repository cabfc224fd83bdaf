// Package usecase holds what the window and the commands both do, without
// Fyne and without flags or printing: each use case takes a context and a
// progress callback and returns a typed result, failures per file
// included. app/cli parses flags and prints; ui shows widgets; both call
// these.
package usecase

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// Progress hears done out of total after each unit of work; nil for none.
type Progress func(done, total int)

// FileError is one file a use case could not handle. Err names the file
// (the errors of voc, imgload and inference do).
type FileError struct {
	Path string
	Err  error
}

// Error names the file once: errors of the pictures' decoder name it
// already ("a.jpg: a.jpg: corrupt JPEG" was printed), the network's do not.
func (e FileError) Error() string {
	msg := e.Err.Error()
	if e.Path == "" || strings.HasPrefix(msg, e.Path) {
		return msg
	}
	return e.Path + ": " + msg
}
func (e FileError) Unwrap() error { return e.Err }

// inParallel runs do(i) for each i below n on workers goroutines (at
// least one) until ctx is cancelled; progress hears how many are done
// after each. It returns how many were done.
func inParallel(ctx context.Context, n, workers int, do func(i int), progress Progress) int {
	var mu sync.Mutex // done and progress
	done := 0
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				do(i)
				mu.Lock()
				done++
				if progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}
