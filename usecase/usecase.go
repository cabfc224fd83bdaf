// Package usecase holds what the window and the commands both do, without
// Fyne and without flags or printing: each use case takes a context and a
// progress callback and returns a typed result, failures per file
// included. app/cli parses flags and prints; ui shows widgets; both call
// these.
package usecase

// Progress hears done out of total after each unit of work; nil for none.
type Progress func(done, total int)

// FileError is one file a use case could not handle. Err names the file
// (the errors of voc, imgload and inference do).
type FileError struct {
	Path string
	Err  error
}

func (e FileError) Error() string { return e.Err.Error() }
func (e FileError) Unwrap() error { return e.Err }
