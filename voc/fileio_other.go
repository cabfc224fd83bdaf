//go:build !linux

package voc

import "os"

func newFileReader(dirs ...string) *fileReader {
	return &fileReader{buf: make([]byte, headSize)}
}

func (r *fileReader) close() {}

type rawFile struct{ f *os.File }

func (r *fileReader) open(path string) (rawFile, error) {
	f, err := os.Open(path)
	return rawFile{f}, err
}

func (f rawFile) close() { f.f.Close() }

func (f rawFile) readAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }

func (f rawFile) size() (int64, error) {
	fi, err := f.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
