package pix

import (
	"encoding/binary"
	"fmt"
	"image"
)

// BMP is read here rather than by golang.org/x/image/bmp, which refuses
// the RLE-compressed palette files that ImageMagick and Paint write and
// PIL reads: 1-, 4-, 8-bit palette (RLE4, RLE8), 16-bit (5-5-5 or bit
// fields), 24- and 32-bit, bottom-up or top-down, any header version.

type bmpHeader struct {
	w, h      int
	topDown   bool
	bpp       int
	comp      uint32
	offset    int
	palette   [][3]uint8
	masks     [3]uint32 // R, G, B for 16 and 32 bits
	infoLen   int
	paletteAt int
	colors    int
}

func bmpUnsupported(f string, a ...any) error {
	return &UnsupportedError{Format: "BMP", Msg: fmt.Sprintf(f, a...)}
}

func bmpCorrupt(f string, a ...any) error {
	return &CorruptError{Format: "BMP", Msg: fmt.Sprintf(f, a...)}
}

// parseBMPHeader reads the headers and palette; head need hold no more.
func parseBMPHeader(d []byte) (*bmpHeader, error) {
	le := binary.LittleEndian
	if len(d) < 18 || d[0] != 'B' || d[1] != 'M' {
		return nil, bmpCorrupt("header cut short")
	}
	h := &bmpHeader{offset: int(le.Uint32(d[10:])), infoLen: int(le.Uint32(d[14:]))}
	if len(d) < 14+max(h.infoLen, 12) {
		return nil, bmpCorrupt("header cut short")
	}
	switch {
	case h.infoLen == 12: // OS/2 1.x core header
		h.w, h.h = int(le.Uint16(d[18:])), int(int16(le.Uint16(d[20:])))
		h.bpp = int(le.Uint16(d[24:]))
	case h.infoLen >= 40:
		h.w, h.h = int(int32(le.Uint32(d[18:]))), int(int32(le.Uint32(d[22:])))
		h.bpp = int(le.Uint16(d[28:]))
		h.comp = le.Uint32(d[30:])
		h.colors = int(le.Uint32(d[46:]))
	default:
		return nil, bmpUnsupported("a %d-byte BMP header", h.infoLen)
	}
	if h.h < 0 {
		h.h, h.topDown = -h.h, true
	}
	if h.w <= 0 || h.h <= 0 {
		return nil, bmpCorrupt("size %dx%d", h.w, h.h)
	}
	switch h.bpp {
	case 1, 4, 8, 16, 24, 32:
	default:
		return nil, bmpUnsupported("%d bits per pixel", h.bpp)
	}
	if err := h.readCompression(d); err != nil {
		return nil, err
	}
	if h.bpp <= 8 {
		h.readPalette(d)
	}
	return h, nil
}

// readCompression checks the compression against the bit depth and sets
// the bit fields pixels of 16 and 32 bits are read through.
func (h *bmpHeader) readCompression(d []byte) error {
	switch {
	case h.comp == 0:
		h.masks = [3]uint32{0x7C00, 0x03E0, 0x001F}
		if h.bpp == 32 {
			h.masks = [3]uint32{0xFF0000, 0xFF00, 0xFF}
		}
	case h.comp == 1 && h.bpp == 8, h.comp == 2 && h.bpp == 4:
		if h.topDown {
			return bmpCorrupt("top-down rows cannot be RLE-compressed")
		}
	case h.comp == 3 && (h.bpp == 16 || h.bpp == 32):
		// masks follow a 40-byte header, or sit inside a longer one
		if len(d) < 14+40+12 {
			return bmpCorrupt("bit fields cut short")
		}
		for i := range h.masks {
			h.masks[i] = binary.LittleEndian.Uint32(d[54+4*i:])
			if h.masks[i] == 0 {
				return bmpUnsupported("an empty bit field")
			}
		}
	default:
		return bmpUnsupported("compression %d with %d bits per pixel", h.comp, h.bpp)
	}
	return nil
}

// readPalette reads the colour table of a header of 8 bits per pixel or
// fewer.
func (h *bmpHeader) readPalette(d []byte) {
	n := h.colors
	if n == 0 || n > 1<<h.bpp {
		n = 1 << h.bpp
	}
	entry := 4
	if h.infoLen == 12 {
		entry = 3
	}
	h.paletteAt = 14 + h.infoLen
	if h.comp == 3 && h.infoLen == 40 {
		h.paletteAt += 12
	}
	if len(d) < h.paletteAt+n*entry {
		// a palette cut short by the pixel data is shortened, as PIL does
		n = max(0, min(n, (h.offset-h.paletteAt)/entry, (len(d)-h.paletteAt)/entry))
	}
	h.palette = make([][3]uint8, n)
	for i := range h.palette {
		p := d[h.paletteAt+i*entry:]
		h.palette[i] = [3]uint8{p[2], p[1], p[0]}
	}
}

// BMPSupported reports whether a BMP whose first bytes are head (the
// headers and palette) is one this package reads; the check asks it.
func BMPSupported(head []byte) error {
	_, err := parseBMPHeader(head)
	return err
}

func decodeBMP(d []byte) (*image.RGBA, int, int, error) {
	h, err := parseBMPHeader(d)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := CheckSize(h.w, h.h); err != nil {
		return nil, 0, 0, err
	}
	if h.offset < 14 || h.offset > len(d) {
		return nil, 0, 0, bmpCorrupt("pixel data offset %d outside the %d-byte file", h.offset, len(d))
	}
	px := d[h.offset:]
	img := image.NewRGBA(image.Rect(0, 0, h.w, h.h))
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xFF
	}
	row := func(y int) []byte { // stored row y (bottom-up unless topDown)
		if !h.topDown {
			y = h.h - 1 - y
		}
		return img.Pix[y*img.Stride:]
	}
	put := func(dst []byte, x, idx int) {
		var c [3]uint8
		if idx < len(h.palette) {
			c = h.palette[idx]
		}
		dst[4*x], dst[4*x+1], dst[4*x+2] = c[0], c[1], c[2]
	}
	if h.comp == 1 || h.comp == 2 {
		if err := decodeRLE(px, h, row, put); err != nil {
			return nil, 0, 0, err
		}
		return img, h.w, h.h, nil
	}
	stride := (h.w*h.bpp + 31) / 32 * 4
	if len(px) < stride*h.h {
		return nil, 0, 0, &CorruptError{Format: "BMP", Msg: fmt.Sprintf("pixel data is %d bytes, %dx%d at %d bits needs %d (truncated)",
			len(px), h.w, h.h, h.bpp, stride*h.h), Truncated: true}
	}
	field := func(v, m uint32) uint8 {
		// scale a bit field to 8 bits the way PIL does: v * 255 / max
		for m&1 == 0 {
			m >>= 1
			v >>= 1
		}
		return uint8(uint64(v&m) * 255 / uint64(m))
	}
	for y := 0; y < h.h; y++ {
		s, dst := px[y*stride:], row(y)
		for x := 0; x < h.w; x++ {
			switch h.bpp {
			case 1, 4, 8:
				bit := x * h.bpp
				idx := int(s[bit/8]>>(8-h.bpp-bit%8)) & (1<<h.bpp - 1)
				put(dst, x, idx)
			case 24:
				dst[4*x], dst[4*x+1], dst[4*x+2] = s[3*x+2], s[3*x+1], s[3*x]
			case 16, 32:
				var v uint32
				if h.bpp == 16 {
					v = uint32(binary.LittleEndian.Uint16(s[2*x:]))
				} else {
					v = binary.LittleEndian.Uint32(s[4*x:])
				}
				dst[4*x], dst[4*x+1], dst[4*x+2] = field(v&h.masks[0], h.masks[0]), field(v&h.masks[1], h.masks[1]), field(v&h.masks[2], h.masks[2])
			}
		}
	}
	return img, h.w, h.h, nil
}

// decodeRLE expands RLE8 or RLE4 data; pixels it never reaches stay
// palette entry 0, as in PIL.
func decodeRLE(p []byte, h *bmpHeader, row func(int) []byte, put func([]byte, int, int)) error {
	for y := 0; y < h.h; y++ {
		r := row(y)
		for x := 0; x < h.w; x++ {
			put(r, x, 0)
		}
	}
	x, y, i := 0, 0, 0
	set := func(idx int) {
		if x < h.w && y < h.h {
			put(row(y), x, idx)
		}
		x++
	}
	four := h.comp == 2
	for {
		if i+1 >= len(p) {
			return &CorruptError{Format: "BMP", Msg: "RLE data ends before its end-of-bitmap code (truncated)", Truncated: true}
		}
		n, v := int(p[i]), p[i+1]
		i += 2
		if n > 0 {
			for k := 0; k < n; k++ {
				if four {
					set(int(v>>(4*(1-k%2))) & 15)
				} else {
					set(int(v))
				}
			}
			continue
		}
		switch v {
		case 0: // end of line
			x, y = 0, y+1
		case 1: // end of bitmap
			return nil
		case 2: // move
			if i+1 >= len(p) {
				return bmpCorrupt("RLE move cut short")
			}
			x, y = x+int(p[i]), y+int(p[i+1])
			i += 2
		default: // v literal pixels, padded to 16 bits
			nb := int(v)
			if four {
				nb = (nb + 1) / 2
			}
			if i+nb > len(p) {
				return &CorruptError{Format: "BMP", Msg: "RLE data cut short (truncated)", Truncated: true}
			}
			for k := 0; k < int(v); k++ {
				if four {
					set(int(p[i+k/2]>>(4*(1-k%2))) & 15)
				} else {
					set(int(p[i+k]))
				}
			}
			i += nb + nb%2
		}
		if y >= h.h {
			return nil
		}
	}
}
