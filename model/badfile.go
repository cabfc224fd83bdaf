package model

import (
	"errors"
	"fmt"
)

// ErrBadFile is what every refusal of a malformed checkpoint, sidecar or
// weights file wraps: errors.Is(err, ErrBadFile) tells a bad file from a
// missing one or a failing disk.
var ErrBadFile = errors.New("bad file")

// BadFileError names the file, the field or tensor at fault ("" when the
// whole file is wrong) and what is wrong with it.
type BadFileError struct {
	Path  string
	Field string
	Msg   string
}

func (e *BadFileError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Path, e.Field, e.Msg)
}

// Is makes errors.Is(err, ErrBadFile) true.
func (e *BadFileError) Is(target error) bool { return target == ErrBadFile }

func badFile(path, field, format string, args ...any) error {
	return &BadFileError{Path: path, Field: field, Msg: fmt.Sprintf(format, args...)}
}
