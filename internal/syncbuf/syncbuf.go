// Package syncbuf is a text buffer a child process writes while a test
// reads it: the output of the app or the worker under test.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer is a strings.Builder safe for one writer and concurrent readers.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
