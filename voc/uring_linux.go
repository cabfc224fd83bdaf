package voc

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A minimal io_uring used to read many small files with one system call
// per batch instead of three per file (open, read, close). On this kind of
// virtual machine a system call costs about 1.2 µs of entry overhead alone,
// which is most of a dataset check. Each file is an open → read → close
// chain on a direct descriptor slot, so no descriptor reaches user space.
// When io_uring is unavailable the callers fall back to fileReader.

const (
	sysIOURingSetup    = 425
	sysIOURingEnter    = 426
	sysIOURingRegister = 427

	opOpenAt = 18
	opClose  = 19
	opRead   = 22

	sqeFixedFile  = 1 << 0
	sqeIOLink     = 1 << 2
	sqeIOHardLink = 1 << 3

	enterGetEvents  = 1 << 0
	featSingleMmap  = 1 << 0
	registerFiles   = 2
	offSQRing       = 0
	offCQRing       = 0x8000000
	offSQEs         = 0x10000000
	sqeSize         = 64
	cqeSize         = 16
	setupCoopTaskrn = 1 << 8
)

type sqRingOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqRingOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqRingOffsets
	cqOff                                                                  cqRingOffsets
}

type uring struct {
	fd             int
	sqRing, cqRing []byte
	sqes           []byte
	sqTail, sqHead *uint32
	sqMask         uint32
	sqArray        unsafe.Pointer
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           unsafe.Pointer
	entries        uint32
	slots          int
}

// batchFile is one file to read: its head, and optionally its tail (the
// last len(tail) bytes), which needs the size and so a second round.
type batchFile struct {
	dirfd int
	name  []byte // NUL-terminated, relative to dirfd
	head  []byte
	tail  []byte // nil: the head is all we want
	n     int    // bytes read into head
	tn    int    // bytes read into tail
	size  int64  // from statx, when a tail was asked for
	err   error
	stx   [256]byte
}

// whole reports whether head holds the entire file.
func (f *batchFile) whole() bool { return f.n < len(f.head) }

func newURing(slots int) (*uring, error) {
	entries := uint32(1)
	for entries < uint32(4*slots) {
		entries <<= 1
	}
	var p uringParams
	p.flags = setupCoopTaskrn
	fd, _, errno := syscall.Syscall(sysIOURingSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno == syscall.EINVAL { // older kernel without COOP_TASKRUN
		p = uringParams{}
		fd, _, errno = syscall.Syscall(sysIOURingSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	}
	if errno != 0 {
		return nil, errno
	}
	u := &uring{fd: int(fd), entries: p.sqEntries, slots: slots}
	fail := func(err error) (*uring, error) { u.close(); return nil, err }
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*cqeSize)
	if p.features&featSingleMmap != 0 && cqSize > sqSize {
		sqSize = cqSize
	}
	var err error
	if u.sqRing, err = syscall.Mmap(u.fd, offSQRing, sqSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE); err != nil {
		return fail(err)
	}
	if p.features&featSingleMmap != 0 {
		u.cqRing = u.sqRing
	} else if u.cqRing, err = syscall.Mmap(u.fd, offCQRing, cqSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE); err != nil {
		return fail(err)
	}
	if u.sqes, err = syscall.Mmap(u.fd, offSQEs, int(p.sqEntries)*sqeSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE); err != nil {
		return fail(err)
	}
	u.sqHead = (*uint32)(unsafe.Pointer(&u.sqRing[p.sqOff.head]))
	u.sqTail = (*uint32)(unsafe.Pointer(&u.sqRing[p.sqOff.tail]))
	u.sqMask = *(*uint32)(unsafe.Pointer(&u.sqRing[p.sqOff.ringMask]))
	u.sqArray = unsafe.Pointer(&u.sqRing[p.sqOff.array])
	u.cqHead = (*uint32)(unsafe.Pointer(&u.cqRing[p.cqOff.head]))
	u.cqTail = (*uint32)(unsafe.Pointer(&u.cqRing[p.cqOff.tail]))
	u.cqMask = *(*uint32)(unsafe.Pointer(&u.cqRing[p.cqOff.ringMask]))
	u.cqes = unsafe.Pointer(&u.cqRing[p.cqOff.cqes])
	// a sparse table of direct descriptors, one slot per file in flight
	fds := make([]int32, slots)
	for i := range fds {
		fds[i] = -1
	}
	if _, _, errno := syscall.Syscall6(sysIOURingRegister, uintptr(u.fd), registerFiles, uintptr(unsafe.Pointer(&fds[0])), uintptr(slots), 0, 0); errno != 0 {
		return fail(errno)
	}
	return u, nil
}

func (u *uring) close() {
	if u.sqes != nil {
		syscall.Munmap(u.sqes)
	}
	if u.cqRing != nil && (u.sqRing == nil || &u.cqRing[0] != &u.sqRing[0]) {
		syscall.Munmap(u.cqRing)
	}
	if u.sqRing != nil {
		syscall.Munmap(u.sqRing)
	}
	syscall.Close(u.fd)
}

func (u *uring) sqe(i uint32) []byte {
	return u.sqes[i*sqeSize : (i+1)*sqeSize : (i+1)*sqeSize]
}

func putSQE(s []byte, op, flags uint8, fd int32, off, addr uint64, length, opFlags uint32, userData uint64, fileIndex uint32) {
	clear(s)
	s[0], s[1] = op, flags
	*(*int32)(unsafe.Pointer(&s[4])) = fd
	*(*uint64)(unsafe.Pointer(&s[8])) = off
	*(*uint64)(unsafe.Pointer(&s[16])) = addr
	*(*uint32)(unsafe.Pointer(&s[24])) = length
	*(*uint32)(unsafe.Pointer(&s[28])) = opFlags
	*(*uint64)(unsafe.Pointer(&s[32])) = userData
	*(*uint32)(unsafe.Pointer(&s[44])) = fileIndex
}

const (
	opStatx      = 21
	statxSize    = 0x200
	stxSizeField = 40 // offset of stx_size in struct statx
)

// A request's user data is its file's index shifted left by 3 and, in the
// low 3 bits, which step of that file's reads it is (from 1, so that every
// step is a bit pattern of its own).
const (
	stepOpen uint64 = iota + 1
	stepHead
	stepClose
	stepStatx
	stepTail
)

// readBatch reads the heads (and tails) of up to u.slots files in at most
// three io_uring_enter calls. Each file holds direct slot i throughout.
// A file's size is asked only when its head did not hold all of it: the
// kernel hands every statx to a worker thread, which costs more than the
// read of a small picture.
func (u *uring) readBatch(files []batchFile) error {
	if len(files) > u.slots {
		return fmt.Errorf("batch of %d exceeds %d slots", len(files), u.slots)
	}
	var n uint32
	for i := range files {
		f := &files[i]
		f.n, f.tn, f.size, f.err = 0, 0, 0, nil
		slot, ud := uint32(i), uint64(i)<<3
		// no O_CLOEXEC: the kernel refuses it for direct slots
		u.put(&n, opOpenAt, sqeIOLink, int32(f.dirfd), 0, nameAddr(f), 0, syscall.O_RDONLY, ud|stepOpen, slot+1)
		if f.tail == nil {
			u.put(&n, opRead, sqeFixedFile|sqeIOHardLink, int32(slot), 0, bufAddr(f.head), uint32(len(f.head)), 0, ud|stepHead, 0)
			u.put(&n, opClose, 0, 0, 0, 0, 0, 0, ud|stepClose, slot+1)
		} else {
			u.put(&n, opRead, sqeFixedFile, int32(slot), 0, bufAddr(f.head), uint32(len(f.head)), 0, ud|stepHead, 0)
		}
	}
	if err := u.run(n, files); err != nil {
		return err
	}
	n = 0
	for i := range files {
		f := &files[i]
		if f.tail == nil {
			continue
		}
		slot, ud := uint32(i), uint64(i)<<3
		if f.err == nil && !f.whole() {
			u.put(&n, opStatx, 0, int32(f.dirfd), uint64(uintptr(unsafe.Pointer(&f.stx[0]))), nameAddr(f), statxSize, 0, ud|stepStatx, 0)
		} else {
			u.put(&n, opClose, 0, 0, 0, 0, 0, 0, ud|stepClose, slot+1)
		}
	}
	if err := u.run(n, files); err != nil {
		return err
	}
	n = 0
	for i := range files {
		f := &files[i]
		if f.tail == nil || f.whole() {
			continue // closed already (a file whose open failed reads as whole)
		}
		slot, ud := uint32(i), uint64(i)<<3
		if f.err == nil {
			f.size = int64(*(*uint64)(unsafe.Pointer(&f.stx[stxSizeField])))
			off := max(0, f.size-int64(len(f.tail)))
			u.put(&n, opRead, sqeFixedFile|sqeIOHardLink, int32(slot), uint64(off), bufAddr(f.tail), uint32(len(f.tail)), 0, ud|stepTail, 0)
		}
		u.put(&n, opClose, 0, 0, 0, 0, 0, 0, ud|stepClose, slot+1)
	}
	return u.run(n, files)
}

func nameAddr(f *batchFile) uint64 { return uint64(uintptr(unsafe.Pointer(&f.name[0]))) }

func bufAddr(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }

// put queues one SQE (not yet visible to the kernel).
func (u *uring) put(n *uint32, op, flags uint8, fd int32, off, addr uint64, length, opFlags uint32, userData uint64, fileIndex uint32) {
	tail := atomic.LoadUint32(u.sqTail)
	idx := (tail + *n) & u.sqMask
	putSQE(u.sqe(idx), op, flags, fd, off, addr, length, opFlags, userData, fileIndex)
	*(*uint32)(unsafe.Add(u.sqArray, 4*uintptr(idx))) = idx
	*n++
}

// run submits n queued SQEs and reaps their n completions.
func (u *uring) run(n uint32, files []batchFile) error {
	if n == 0 {
		return nil
	}
	atomic.StoreUint32(u.sqTail, atomic.LoadUint32(u.sqTail)+n)
	submit, done := n, uint32(0)
	for done < n {
		_, _, errno := syscall.Syscall6(sysIOURingEnter, uintptr(u.fd), uintptr(submit), uintptr(n-done), enterGetEvents, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		submit = 0
		head, ctail := atomic.LoadUint32(u.cqHead), atomic.LoadUint32(u.cqTail)
		for ; head != ctail; head++ {
			c := unsafe.Add(u.cqes, uintptr(head&u.cqMask)*cqeSize)
			ud := *(*uint64)(c)
			res := *(*int32)(unsafe.Add(c, 8))
			f := &files[ud>>3]
			switch op := ud & 7; {
			case op == stepClose: // close: nothing to report
			case op == stepOpen && res < 0: // the open's error explains the rest
				f.err = syscall.Errno(-res)
			case res < 0:
				if f.err == nil {
					f.err = syscall.Errno(-res)
				}
			case op == stepHead:
				f.n = int(res)
			case op == stepTail:
				f.tn = int(res)
			}
			done++
		}
		atomic.StoreUint32(u.cqHead, head)
	}
	return nil
}
