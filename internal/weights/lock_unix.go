//go:build !windows

package weights

import (
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes f's exclusive lock without waiting; false: another
// process (or Fetch) holds it.
func tryLock(f *os.File) (bool, error) {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if err == unix.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}
