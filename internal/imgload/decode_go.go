//go:build !cgo || noturbo

package imgload

import "errors"

var errNoTurbo = errors.New("built without turbojpeg")

func errFallback(err error) bool { return err == errNoTurbo }

func decodeJPEG([]byte, int) (*Picture, error) { return nil, errNoTurbo }
