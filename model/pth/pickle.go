package pth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The pickle machine here runs only the opcodes a state dict saved by
// torch.save needs (protocols 2 to 5) and knows only the callables that
// rebuild tensors and ordered dicts, like torch.load(weights_only=True).
// It never imports or calls anything: a global is a name it looks up in
// its own table, and every other one is refused with its name.

// Limits on one pickle, so that no input can make it use more memory than
// its own size allows for, or nest without end.
const (
	maxStack = 1 << 20 // values on the stack (and in the memo)
	maxDepth = 1000    // nesting of marks
)

// Values a pickle builds. Python's None is nil.
type (
	tuple  []any
	pyList struct{ items []any }
	pyDict struct {
		keys, vals []any
		strs       map[string]int // where each str and int key is, so
		nums       map[int64]int  // a replaced key is found at once
	}
	global  struct{ module, name string }
	bigInt  struct{ v *big.Int }
	pyBytes []byte
)

// storage is a torch storage: its dtype, its key in the file and its
// length in elements; a view (legacy format) is part of a root storage.
type storage struct {
	dtype dtype
	key   string
	numel int64
	root  *storage // for a view: the storage it is a slice of
	off   int64    // the view's first element in root
	data  []byte   // filled once read
}

// tensor is a rebuilt tensor: a strided window on a storage.
type tensor struct {
	st     *storage
	offset int64
	size   []int64
	stride []int64
}

// pickleError names where in the pickle a refusal happened.
type pickleError struct {
	pos int64
	msg string
}

func (e *pickleError) Error() string { return fmt.Sprintf("byte %d: %s", e.pos, e.msg) }

// source reads a pickle from a stream that holds at most size bytes, so a
// length in the data can be checked before anything is allocated for it.
type source struct {
	r         *bufio.Reader
	pos, size int64
}

func (s *source) byte() (byte, error) {
	if s.pos >= s.size {
		return 0, io.ErrUnexpectedEOF
	}
	b, err := s.r.ReadByte()
	if err != nil {
		return 0, unexpected(err)
	}
	s.pos++
	return b, nil
}

func (s *source) read(n int64) ([]byte, error) {
	if n < 0 || n > s.size-s.pos {
		return nil, fmt.Errorf("a length of %d bytes, past the end of the data", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		return nil, unexpected(err)
	}
	s.pos += n
	return b, nil
}

// line reads a text argument (GLOBAL's module and name), at most 4 kB.
func (s *source) line() (string, error) {
	var b []byte
	for {
		c, err := s.byte()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return string(b), nil
		}
		if len(b) >= 4096 {
			return "", errors.New("a text argument over 4 kB")
		}
		b = append(b, c)
	}
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// machine is one pickle's state. persistent resolves BINPERSID ids (the
// storages and tensors kept outside the pickle).
type machine struct {
	src        *source
	stack      []any
	marks      []int
	memo       map[uint32]any
	persistent func(id any) (any, error)
}

// unpickle runs the pickle at the reader's position up to its STOP.
func unpickle(src *source, persistent func(any) (any, error)) (any, error) {
	m := &machine{src: src, memo: map[uint32]any{}, persistent: persistent}
	for {
		pos := src.pos
		op, err := src.byte()
		if err != nil {
			return nil, &pickleError{pos, "the pickle ends before its STOP opcode"}
		}
		done, err := m.step(op)
		if err != nil {
			var pe *pickleError
			if errors.As(err, &pe) {
				return nil, err
			}
			return nil, &pickleError{pos, fmt.Sprintf("opcode 0x%02x (%s): %v", op, opName(op), err)}
		}
		if done {
			if len(m.stack) != 1 || len(m.marks) != 0 {
				return nil, &pickleError{pos, fmt.Sprintf("STOP with %d values on the stack", len(m.stack))}
			}
			return m.stack[0], nil
		}
		if len(m.stack) > maxStack || len(m.memo) > maxStack {
			return nil, &pickleError{pos, "more than a million values"}
		}
	}
}

func (m *machine) push(v any) { m.stack = append(m.stack, v) }

func (m *machine) pop() (any, error) {
	n := len(m.stack)
	if n == 0 || len(m.marks) > 0 && m.marks[len(m.marks)-1] == n {
		return nil, errors.New("the stack is empty")
	}
	v := m.stack[n-1]
	m.stack = m.stack[:n-1]
	return v, nil
}

func (m *machine) top() (any, error) {
	n := len(m.stack)
	if n == 0 || len(m.marks) > 0 && m.marks[len(m.marks)-1] == n {
		return nil, errors.New("the stack is empty")
	}
	return m.stack[n-1], nil
}

// popMark takes the values pushed since the last MARK.
func (m *machine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, errors.New("no MARK before it")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]any(nil), m.stack[k:]...)
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) popN(n int) ([]any, error) {
	out := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := m.pop()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func le(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// longValue is a LONG1/LONG4 integer: an int64 when it fits.
func longValue(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		v := le(b)
		if b[len(b)-1]&0x80 != 0 && len(b) < 8 { // sign-extend
			v |= ^uint64(0) << (8 * len(b))
		}
		return int64(v)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return bigInt{v}
}

// set stores d[k] = v (a later value replaces an earlier one, as in
// Python). Keys must be hashable.
func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil, float64, bigInt, pyBytes:
	case tuple:
	default:
		return fmt.Errorf("a dict key that is %s (unhashable)", describe(k))
	}
	switch k := k.(type) {
	case string:
		if i, ok := d.strs[k]; ok {
			d.vals[i] = v
			return nil
		}
		if d.strs == nil {
			d.strs = map[string]int{}
		}
		d.strs[k] = len(d.keys)
	case int64:
		if i, ok := d.nums[k]; ok {
			d.vals[i] = v
			return nil
		}
		if d.nums == nil {
			d.nums = map[int64]int{}
		}
		d.nums[k] = len(d.keys)
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

// Storage classes and the legacy tensor types (a marker in the tar
// format), by name.
var storageTypes = map[string]dtype{
	"FloatStorage": Float32, "HalfStorage": Float16, "DoubleStorage": Float64, "BFloat16Storage": BFloat16,
	"LongStorage": Int64, "IntStorage": Int32, "ShortStorage": Int16, "CharStorage": Int8, "ByteStorage": Uint8, "BoolStorage": Bool,
}

// global resolves a GLOBAL against the few names a state dict uses.
func (m *machine) global(mod, name string) error {
	switch mod + "." + name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
		"torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		m.push(global{mod, name})
		return nil
	}
	if mod == "torch" {
		if _, ok := storageTypes[name]; ok {
			m.push(global{mod, name})
			return nil
		}
		if strings.HasSuffix(name, "Tensor") { // legacy: a tensor's type, not called
			if _, ok := storageTypes[strings.TrimSuffix(name, "Tensor")+"Storage"]; ok {
				m.push(global{mod, name})
				return nil
			}
		}
	}
	return fmt.Errorf("global %s.%s is not allowed: a state dict holds only tensors (only %s are read)", printable(mod), printable(name),
		"OrderedDict and torch's tensor rebuilds and storages")
}

// call runs one of the allowed callables.
func call(g global, args tuple) (any, error) {
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		d := &pyDict{}
		if len(args) == 0 {
			return d, nil
		}
		// OrderedDict([(k, v), ...])
		l, ok := args[0].(*pyList)
		if len(args) != 1 || !ok {
			return nil, errors.New("OrderedDict with arguments other than a list of pairs")
		}
		for _, it := range l.items {
			kv, ok := it.(tuple)
			if !ok || len(kv) != 2 {
				return nil, errors.New("OrderedDict with an item that is not a pair")
			}
			if err := d.set(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
		return d, nil
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		// (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
		if len(args) < 4 || len(args) > 7 {
			return nil, fmt.Errorf("%s with %d arguments", g.name, len(args))
		}
		return rebuildTensor(args)
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		// (data, requires_grad, backward_hooks[, state]): the tensor
		if len(args) < 3 || len(args) > 4 {
			return nil, fmt.Errorf("%s with %d arguments", g.name, len(args))
		}
		t, ok := args[0].(*tensor)
		if !ok {
			return nil, fmt.Errorf("a parameter of %s", describe(args[0]))
		}
		return t, nil
	}
	return nil, fmt.Errorf("calling %s.%s", g.module, g.name)
}

func rebuildTensor(args tuple) (*tensor, error) {
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("a tensor on %s, not a storage", describe(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("a tensor at storage offset %s", describe(args[1]))
	}
	size, err := ints(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := ints(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("a tensor of %d dimensions with %d strides", len(size), len(stride))
	}
	return &tensor{st: st, offset: off, size: size, stride: stride}, nil
}

// ints reads a tuple of non-negative integers (a size or stride).
func ints(v any, what string) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("a tensor %s that is %s, not a tuple", what, describe(v))
	}
	if len(t) > 64 {
		return nil, fmt.Errorf("a tensor of %d dimensions", len(t))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("a tensor %s of %s", what, describe(x))
		}
		out[i] = n
	}
	return out, nil
}

// describe names a value's type in Python's terms, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int64:
		return "the int " + strconv.FormatInt(v, 10)
	case bigInt:
		return "a large int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case pyBytes:
		return "bytes"
	case tuple:
		return fmt.Sprintf("a tuple of %d", len(v))
	case *pyList:
		return fmt.Sprintf("a list of %d", len(v.items))
	case *pyDict:
		return fmt.Sprintf("a dict of %d", len(v.keys))
	case global:
		return printable(v.module + "." + v.name)
	case *storage:
		return "a storage"
	case *tensor:
		return "a tensor"
	}
	return fmt.Sprintf("%T", v)
}

// printable keeps names from a file readable and short in messages.
func printable(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' }) {
		return strconv.Quote(s)
	}
	return s
}
