package voc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestURingReadBatch(t *testing.T) {
	u, err := newURing(8)
	if err != nil {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	defer u.close()
	dir := t.TempDir()
	dfd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dfd)
	big := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes
	for round := 0; round < 3; round++ {            // slots are reused batch after batch
		files := make([]batchFile, 8)
		for i := range files {
			name := fmt.Sprintf("f%d-%d", round, i)
			data := []byte(name + " content")
			if i >= 4 {
				data = big
			}
			if i != 2 && i != 3 { // missing, with a tail asked and without
				os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}
			files[i] = batchFile{dirfd: dfd, name: append([]byte(name), 0), head: make([]byte, 64)}
			if i%2 == 0 {
				files[i].tail = make([]byte, 16)
			}
		}
		if err := u.readBatch(files); err != nil {
			t.Fatal(err)
		}
		for i, f := range files {
			name := string(f.name[:len(f.name)-1])
			switch {
			case i == 2 || i == 3:
				if !errors.Is(f.err, syscall.ENOENT) {
					t.Errorf("%s: err %v, want ENOENT", name, f.err)
				}
			case i < 4:
				if f.err != nil || !f.whole() || string(f.head[:f.n]) != name+" content" {
					t.Errorf("%s: %q %v", name, f.head[:f.n], f.err)
				}
			default:
				if f.err != nil || f.whole() || string(f.head[:f.n]) != string(big[:64]) {
					t.Errorf("%s: head %q %v", name, f.head[:f.n], f.err)
				}
				if f.tail != nil && (f.size != 10000 || string(f.tail[:f.tn]) != string(big[10000-16:])) {
					t.Errorf("%s: size %d tail %q", name, f.size, f.tail[:f.tn])
				}
			}
		}
	}
}

func BenchmarkReadSmallFiles(b *testing.B) {
	dir := b.TempDir()
	const n = 2000
	for i := 0; i < n; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), make([]byte, 800), 0o644)
	}
	b.Run("osReadFileBaseline", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < n; i++ {
				if _, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("fileReader", func(b *testing.B) {
		r := newFileReader(dir)
		defer r.close()
		for b.Loop() {
			for i := 0; i < n; i++ {
				if _, err := r.readFile(filepath.Join(dir, fmt.Sprint(i))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("uring64", func(b *testing.B) {
		u, err := newURing(64)
		if err != nil {
			b.Skip(err)
		}
		defer u.close()
		dfd, _ := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		defer syscall.Close(dfd)
		files := make([]batchFile, 64)
		for i := range files {
			files[i].head = make([]byte, 4096)
			files[i].dirfd = dfd
		}
		for b.Loop() {
			for i := 0; i < n; i += 64 {
				k := min(64, n-i)
				for j := 0; j < k; j++ {
					files[j].name = append(files[j].name[:0], fmt.Sprint(i+j)...)
					files[j].name = append(files[j].name, 0)
				}
				if err := u.readBatch(files[:k]); err != nil {
					b.Fatal(err)
				}
				for j := 0; j < k; j++ {
					if files[j].err != nil || files[j].n != 800 {
						b.Fatalf("read %d bytes: %v", files[j].n, files[j].err)
					}
				}
			}
		}
	})
}
