package video

import (
	"golang.org/x/sys/unix"
)

// growPipe makes a pipe to or from ffmpeg hold a megabyte instead of
// 64 kB: a 720p frame then crosses in one or two system calls instead of
// twenty-odd, each of which woke the other process.
func growPipe(p any) {
	if f, ok := p.(interface{ Fd() uintptr }); ok {
		unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, 1<<20)
	}
}
