package voc

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
)

func newFileReader(dirs ...string) *fileReader {
	r := &fileReader{dirs: map[string]int{}, buf: make([]byte, headSize)}
	for _, d := range dirs {
		if _, ok := r.dirs[d]; ok {
			continue
		}
		if fd, err := syscall.Open(d, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0); err == nil {
			r.dirs[d] = fd
		}
	}
	return r
}

func (r *fileReader) close() {
	for _, fd := range r.dirs {
		syscall.Close(fd)
	}
}

type rawFile struct{ fd int }

func (r *fileReader) open(path string) (rawFile, error) {
	var fd int
	var err error
	if dfd, ok := r.dirs[filepath.Dir(path)]; ok {
		fd, err = syscall.Openat(dfd, filepath.Base(path), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	} else {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return rawFile{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return rawFile{fd}, nil
}

func (f rawFile) close() { syscall.Close(f.fd) }

func (f rawFile) readAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(f.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f rawFile) size() (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd, &st); err != nil {
		return 0, err
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return 0, syscall.EISDIR
	}
	return st.Size, nil
}
