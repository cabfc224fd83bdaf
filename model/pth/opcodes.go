package pth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// opcode is one row of the table that drives the pickle machine: the
// opcode's name, for messages, and what it does. A row without run is an
// opcode Python has but a state dict never needs; it is refused.
type opcode struct {
	name string
	run  func(*machine) error
}

// opStop ends the pickle; step reports it rather than running it.
const opStop = '.'

var opcodes = [256]opcode{
	0x80: {"PROTO", (*machine).proto},
	0x95: {"FRAME", (*machine).frame}, // a length hint
	'.':  {"STOP", nil},
	'(':  {"MARK", (*machine).mark},
	'0':  {"POP", func(m *machine) error { _, err := m.pop(); return err }},
	'1':  {"POP_MARK", func(m *machine) error { _, err := m.popMark(); return err }},
	'2':  {"DUP", (*machine).dup},

	'N':  {"NONE", pushes(func() any { return nil })},
	0x88: {"NEWTRUE", pushes(func() any { return true })},
	0x89: {"NEWFALSE", pushes(func() any { return false })},
	'J':  {"BININT", (*machine).binint},
	'K':  {"BININT1", (*machine).binint1},
	'M':  {"BININT2", (*machine).binint2},
	0x8a: {"LONG1", (*machine).long1},
	0x8b: {"LONG4", (*machine).long4},
	'G':  {"BINFLOAT", (*machine).binfloat},

	// strings and bytes: a little-endian length of 1, 4 or 8 bytes, then the data
	'U':  {"SHORT_BINSTRING", counted(1, false)},
	'T':  {"BINSTRING", counted(4, false)},
	0x8c: {"SHORT_BINUNICODE", counted(1, false)},
	'X':  {"BINUNICODE", counted(4, false)},
	0x8d: {"BINUNICODE8", counted(8, false)},
	'C':  {"SHORT_BINBYTES", counted(1, true)},
	'B':  {"BINBYTES", counted(4, true)},
	0x8e: {"BINBYTES8", counted(8, true)},

	')':  {"EMPTY_TUPLE", pushes(func() any { return tuple{} })},
	't':  {"TUPLE", (*machine).tupleOp},
	0x85: {"TUPLE1", tupleN(1)},
	0x86: {"TUPLE2", tupleN(2)},
	0x87: {"TUPLE3", tupleN(3)},
	']':  {"EMPTY_LIST", pushes(func() any { return &pyList{} })},
	'l':  {"LIST", (*machine).list},
	'a':  {"APPEND", (*machine).appendOne},
	'e':  {"APPENDS", (*machine).appends},
	'}':  {"EMPTY_DICT", pushes(func() any { return &pyDict{} })},
	'd':  {"DICT", (*machine).dict},
	's':  {"SETITEM", (*machine).setitem},
	'u':  {"SETITEMS", (*machine).setitems},

	'c':  {"GLOBAL", (*machine).globalOp},
	0x93: {"STACK_GLOBAL", (*machine).stackGlobal},
	'R':  {"REDUCE", (*machine).reduce},
	'b':  {"BUILD", (*machine).build},
	'Q':  {"BINPERSID", (*machine).binpersid},

	'h':  {"BINGET", (*machine).binget},
	'j':  {"LONG_BINGET", (*machine).longBinget},
	'q':  {"BINPUT", (*machine).binput},
	'r':  {"LONG_BINPUT", (*machine).longBinput},
	0x94: {"MEMOIZE", (*machine).memoize},

	// refused
	'F': {name: "FLOAT"}, 'I': {name: "INT"}, 'L': {name: "LONG"}, 'P': {name: "PERSID"}, 'S': {name: "STRING"},
	'V': {name: "UNICODE"}, 'g': {name: "GET"}, 'p': {name: "PUT"}, 'i': {name: "INST"}, 'o': {name: "OBJ"}, 0x81: {name: "NEWOBJ"}, 0x82: {name: "EXT1"},
	0x83: {name: "EXT2"}, 0x84: {name: "EXT4"}, 0x8f: {name: "EMPTY_SET"}, 0x90: {name: "ADDITEMS"}, 0x91: {name: "FROZENSET"},
	0x92: {name: "NEWOBJ_EX"}, 0x96: {name: "BYTEARRAY8"}, 0x97: {name: "NEXT_BUFFER"}, 0x98: {name: "READONLY_BUFFER"},
}

func opName(op byte) string {
	if n := opcodes[op].name; n != "" {
		return n
	}
	return "unknown"
}

// step runs one opcode; done is true at STOP.
func (m *machine) step(op byte) (done bool, err error) {
	if op == opStop {
		return true, nil
	}
	run := opcodes[op].run
	if run == nil {
		return false, errors.New("not allowed in a state dict")
	}
	return false, run(m)
}

// pushes is the handler of an opcode that pushes a constant; v makes a
// fresh one each time, as lists and dicts are changed in place.
func pushes(v func() any) func(*machine) error {
	return func(m *machine) error {
		m.push(v())
		return nil
	}
}

func (m *machine) proto() error {
	v, err := m.src.byte()
	if err != nil {
		return err
	}
	if v > 5 {
		return fmt.Errorf("protocol %d (torch.save writes 2)", v)
	}
	return nil
}

func (m *machine) frame() error {
	_, err := m.src.read(8)
	return err
}

func (m *machine) mark() error {
	if len(m.marks) >= maxDepth {
		return fmt.Errorf("nested more than %d deep", maxDepth)
	}
	m.marks = append(m.marks, len(m.stack))
	return nil
}

func (m *machine) dup() error {
	v, err := m.top()
	if err != nil {
		return err
	}
	m.push(v)
	return nil
}

func (m *machine) binint() error {
	b, err := m.src.read(4)
	if err != nil {
		return err
	}
	m.push(int64(int32(binary.LittleEndian.Uint32(b))))
	return nil
}

func (m *machine) binint1() error {
	b, err := m.src.byte()
	if err != nil {
		return err
	}
	m.push(int64(b))
	return nil
}

func (m *machine) binint2() error {
	b, err := m.src.read(2)
	if err != nil {
		return err
	}
	m.push(int64(binary.LittleEndian.Uint16(b)))
	return nil
}

func (m *machine) long1() error {
	c, err := m.src.byte()
	if err != nil {
		return err
	}
	return m.long(int64(c))
}

func (m *machine) long4() error {
	b, err := m.src.read(4)
	if err != nil {
		return err
	}
	return m.long(int64(binary.LittleEndian.Uint32(b)))
}

// long reads a LONG1/LONG4 integer of n bytes: little-endian two's
// complement.
func (m *machine) long(n int64) error {
	if n > 256 {
		return fmt.Errorf("an integer of %d bytes", n)
	}
	b, err := m.src.read(n)
	if err != nil {
		return err
	}
	m.push(longValue(b))
	return nil
}

func (m *machine) binfloat() error {
	b, err := m.src.read(8)
	if err != nil {
		return err
	}
	m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	return nil
}

// counted is the handler of a string or bytes opcode whose length takes
// width bytes.
func counted(width int64, asBytes bool) func(*machine) error {
	return func(m *machine) error {
		s := m.src
		lb, err := s.read(width)
		if err != nil {
			return err
		}
		n := le(lb)
		if n > uint64(s.size) {
			return fmt.Errorf("a length of %d bytes, past the end of the data", n)
		}
		b, err := s.read(int64(n))
		if err != nil {
			return err
		}
		if asBytes {
			m.push(pyBytes(b))
		} else {
			// Python 2's str (BINSTRING) is read as torch.load reads it,
			// as UTF-8; names are compared as the bytes they are
			m.push(string(b))
		}
		return nil
	}
}

func (m *machine) tupleOp() error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	m.push(tuple(items))
	return nil
}

// tupleN is the handler of TUPLE1, TUPLE2 and TUPLE3.
func tupleN(n int) func(*machine) error {
	return func(m *machine) error {
		items, err := m.popN(n)
		if err != nil {
			return err
		}
		m.push(tuple(items))
		return nil
	}
}

func (m *machine) list() error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	m.push(&pyList{items: items})
	return nil
}

func (m *machine) appendOne() error {
	v, err := m.pop()
	if err != nil {
		return err
	}
	return m.extend([]any{v})
}

func (m *machine) appends() error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	return m.extend(items)
}

// extend appends items to the list on top of the stack.
func (m *machine) extend(items []any) error {
	l, err := m.top()
	if err != nil {
		return err
	}
	pl, ok := l.(*pyList)
	if !ok {
		return fmt.Errorf("appending to %s, not a list", describe(l))
	}
	pl.items = append(pl.items, items...)
	return nil
}

var errOddItems = errors.New("an odd number of keys and values")

func (m *machine) dict() error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	if len(items)%2 != 0 {
		return errOddItems
	}
	d := &pyDict{}
	m.push(d)
	return d.setPairs(items)
}

func (m *machine) setitem() error {
	items, err := m.popN(2)
	if err != nil {
		return err
	}
	return m.setInTop(items)
}

func (m *machine) setitems() error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	return m.setInTop(items)
}

// setInTop sets keys and values, alternating in items, in the dict on top
// of the stack.
func (m *machine) setInTop(items []any) error {
	if len(items)%2 != 0 {
		return errOddItems
	}
	top, err := m.top()
	if err != nil {
		return err
	}
	d, ok := top.(*pyDict)
	if !ok {
		return fmt.Errorf("setting items of %s, not a dict", describe(top))
	}
	return d.setPairs(items)
}

func (d *pyDict) setPairs(items []any) error {
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (m *machine) globalOp() error {
	mod, err := m.src.line()
	if err != nil {
		return err
	}
	name, err := m.src.line()
	if err != nil {
		return err
	}
	return m.global(mod, name)
}

func (m *machine) stackGlobal() error {
	items, err := m.popN(2)
	if err != nil {
		return err
	}
	mod, ok1 := items[0].(string)
	name, ok2 := items[1].(string)
	if !ok1 || !ok2 {
		return errors.New("module and name are not strings")
	}
	return m.global(mod, name)
}

func (m *machine) reduce() error {
	items, err := m.popN(2)
	if err != nil {
		return err
	}
	args, ok := items[1].(tuple)
	if !ok {
		return fmt.Errorf("arguments are %s, not a tuple", describe(items[1]))
	}
	g, ok := items[0].(global)
	if !ok {
		return fmt.Errorf("calling %s", describe(items[0]))
	}
	v, err := call(g, args)
	if err != nil {
		return err
	}
	m.push(v)
	return nil
}

// build allows only an OrderedDict's attributes (its _metadata), and drops
// them.
func (m *machine) build() error {
	items, err := m.popN(2)
	if err != nil {
		return err
	}
	if _, ok := items[0].(*pyDict); !ok {
		return fmt.Errorf("setting the state of %s", describe(items[0]))
	}
	switch items[1].(type) {
	case *pyDict, nil, tuple:
	default:
		return fmt.Errorf("a dict's state is %s", describe(items[1]))
	}
	m.push(items[0])
	return nil
}

func (m *machine) binpersid() error {
	id, err := m.pop()
	if err != nil {
		return err
	}
	if m.persistent == nil {
		return errors.New("a persistent id where none may be")
	}
	v, err := m.persistent(id)
	if err != nil {
		return err
	}
	m.push(v)
	return nil
}

func (m *machine) binget() error {
	c, err := m.src.byte()
	if err != nil {
		return err
	}
	return m.get(uint32(c))
}

func (m *machine) longBinget() error {
	b, err := m.src.read(4)
	if err != nil {
		return err
	}
	return m.get(binary.LittleEndian.Uint32(b))
}

func (m *machine) get(k uint32) error {
	v, ok := m.memo[k]
	if !ok {
		return fmt.Errorf("memo %d was never stored", k)
	}
	m.push(v)
	return nil
}

func (m *machine) binput() error {
	c, err := m.src.byte()
	if err != nil {
		return err
	}
	return m.put(uint32(c))
}

func (m *machine) longBinput() error {
	b, err := m.src.read(4)
	if err != nil {
		return err
	}
	return m.put(binary.LittleEndian.Uint32(b))
}

func (m *machine) memoize() error { return m.put(uint32(len(m.memo))) }

// put stores the value on top of the stack as memo k.
func (m *machine) put(k uint32) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	m.memo[k] = v
	return nil
}
