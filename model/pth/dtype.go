package pth

import (
	"encoding/binary"
	"math"
)

// dtype is a storage's element type.
type dtype int

const (
	Float32 dtype = iota + 1
	Float16
	BFloat16
	Float64
	Int64
	Int32
	Int16
	Int8
	Uint8
	Bool
)

var dtypeNames = map[dtype]string{Float32: "float32", Float16: "float16", BFloat16: "bfloat16", Float64: "float64",
	Int64: "int64", Int32: "int32", Int16: "int16", Int8: "int8", Uint8: "uint8", Bool: "bool"}

func (d dtype) String() string { return dtypeNames[d] }

// size is the element size in bytes.
func (d dtype) size() int64 {
	switch d {
	case Float64, Int64:
		return 8
	case Float32, Int32:
		return 4
	case Float16, BFloat16, Int16:
		return 2
	}
	return 1
}

// value reads element b (size() bytes, in the file's byte order) as a
// float32; float64 and large integers are rounded.
func (d dtype) value(b []byte, order binary.ByteOrder) float32 {
	switch d {
	case Float32:
		return math.Float32frombits(order.Uint32(b))
	case Float16:
		return halfToFloat(order.Uint16(b))
	case BFloat16:
		return math.Float32frombits(uint32(order.Uint16(b)) << 16)
	case Float64:
		return float32(math.Float64frombits(order.Uint64(b)))
	case Int64:
		return float32(int64(order.Uint64(b)))
	case Int32:
		return float32(int32(order.Uint32(b)))
	case Int16:
		return float32(int16(order.Uint16(b)))
	case Int8:
		return float32(int8(b[0]))
	case Uint8:
		return float32(b[0])
	case Bool:
		if b[0] != 0 {
			return 1
		}
		return 0
	}
	return 0
}

// halfToFloat widens an IEEE 754 half (exactly: every half is a float32).
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	}
	// subnormal: frac·2^-24
	v := float32(frac) / (1 << 24)
	if sign != 0 {
		v = -v
	}
	return v
}
