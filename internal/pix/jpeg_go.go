//go:build !cgo || noturbo

package pix

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
)

// decodeJPEG, without libjpeg-turbo (the Windows and macOS builds), is
// Go's decoder: the same files except arithmetic-coded ones and unusual
// chroma subsampling (JPEGSupported says which), and pixels within a few
// levels of libjpeg's (another IDCT, no fancy upsampling). It decodes in
// one piece, so it reports no rows as they come.
func decodeJPEG(data []byte, minSide int, _ func(*image.RGBA, int)) (*image.RGBA, int, int, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, jpegErr(err)
	}
	if err := CheckSize(cfg.Width, cfg.Height); err != nil {
		return nil, 0, 0, err
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, jpegErr(err)
	}
	if c, ok := src.(*image.CMYK); ok {
		// Go has already undone Adobe's inversion; PIL's formula from here
		out := image.NewRGBA(c.Rect)
		copy(out.Pix, c.Pix)
		cmykToRGBInPlace(out.Pix, false)
		return out, cfg.Width, cfg.Height, nil
	}
	if yc, ok := src.(*image.YCbCr); ok {
		return ycbcrToRGB(yc), cfg.Width, cfg.Height, nil
	}
	return ToRGB(src), cfg.Width, cfg.Height, nil
}

// ycbcrToRGB converts as libjpeg does by default: chroma upsampled with
// its "fancy" triangle filter (Go's own conversion repeats each chroma
// sample, up to 75 levels away from libjpeg at coloured edges), then its
// fixed-point YCbCr -> RGB.
func ycbcrToRGB(yc *image.YCbCr) *image.RGBA {
	w, h := yc.Rect.Dx(), yc.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	cw, ch := w, h
	hs, vs := 1, 1
	switch yc.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 2
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		vs = 2
	case image.YCbCrSubsampleRatio411:
		hs = 4
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	}
	cw, ch = (w+hs-1)/hs, (h+vs-1)/vs
	up := func(plane []byte) []byte {
		full := make([]byte, (cw*hs)*(ch*vs))
		fw := cw * hs
		at := func(x, y int) int { return int(plane[min(max(y, 0), ch-1)*yc.CStride+min(max(x, 0), cw-1)]) }
		for y := 0; y < ch*vs; y++ {
			cy := y / vs
			for x := 0; x < fw; x++ {
				cx := x / hs
				var v int
				switch {
				case hs == 2 && vs == 2: // h2v2_fancy_upsample
					near := cy - 1
					if y%2 == 1 {
						near = cy + 1
					}
					this := at(cx, cy)*3 + at(cx, near)
					if x%2 == 0 {
						if cx == 0 {
							v = (this*4 + 8) >> 4
						} else {
							v = (this*3 + at(cx-1, cy)*3 + at(cx-1, near) + 8) >> 4
						}
					} else {
						if cx == cw-1 {
							v = (this*4 + 7) >> 4
						} else {
							v = (this*3 + at(cx+1, cy)*3 + at(cx+1, near) + 7) >> 4
						}
					}
				case hs == 2 && vs == 1: // h2v1_fancy_upsample
					c := at(cx, cy) * 3
					switch {
					case x%2 == 0 && cx == 0, x%2 == 1 && cx == cw-1:
						v = c / 3
					case x%2 == 0:
						v = (c + at(cx-1, cy) + 1) >> 2
					default:
						v = (c + at(cx+1, cy) + 2) >> 2
					}
				case hs == 1 && vs == 2: // h1v2_fancy_upsample
					if y%2 == 0 {
						v = (at(cx, cy)*3 + at(cx, cy-1) + 1) >> 2
					} else {
						v = (at(cx, cy)*3 + at(cx, cy+1) + 2) >> 2
					}
				default: // libjpeg repeats samples for other ratios too
					v = at(cx, cy)
				}
				full[y*fw+x] = byte(v)
			}
		}
		return full
	}
	cb, cr := up(yc.Cb), up(yc.Cr)
	fw := cw * hs
	const half = 1 << 15
	fix := func(f float64) int { return int(f*65536 + 0.5) }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			yy := int(yc.Y[y*yc.YStride+x])
			b, r := int(cb[y*fw+x])-128, int(cr[y*fw+x])-128
			o := out.PixOffset(x, y)
			out.Pix[o] = clamp8(yy + (fix(1.40200)*r+half)>>16)
			out.Pix[o+1] = clamp8(yy + (-fix(0.34414)*b-fix(0.71414)*r+half)>>16)
			out.Pix[o+2] = clamp8(yy + (fix(1.77200)*b+half)>>16)
			out.Pix[o+3] = 0xFF
		}
	}
	return out
}

func clamp8(v int) uint8 { return uint8(max(0, min(255, v))) }

func jpegErr(err error) error {
	var ue jpeg.UnsupportedError
	var fe jpeg.FormatError
	switch {
	case errors.As(err, &ue):
		return &UnsupportedError{Format: "JPEG", Msg: string(ue)}
	case errors.As(err, &fe):
		// Go says "short Huffman data" where the file stops early
		return &CorruptError{Format: "JPEG", Msg: string(fe), Truncated: string(fe) == "short Huffman data"}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &CorruptError{Format: "JPEG", Msg: "premature end of JPEG file", Truncated: true}
	}
	return &CorruptError{Format: "JPEG", Msg: err.Error()}
}

const usesLibjpeg = false

// jpegSupported is Go's image/jpeg rules (its processSOF): Huffman coding
// only; for colour, the chroma planes sampled alike and dividing luma's
// factors (1, 2 or 4 across, 1 or 2 down); for four components, all 1x1
// or 2x2,1x1,1x1,2x2.
func jpegSupported(f JPEGFrame) error {
	switch f.Marker {
	case 0xC0, 0xC1, 0xC2:
	default:
		return &UnsupportedError{Format: "JPEG", Msg: f.kind() + " (this build reads Huffman-coded JPEGs only)"}
	}
	bad := &UnsupportedError{Format: "JPEG", Msg: "chroma sampling " + samplingString(f) + " (this build's decoder does not read it)"}
	s := f.Sampling
	for _, c := range s {
		if c[0] < 1 || c[0] > 4 || c[1] < 1 || c[1] > 4 {
			return &CorruptError{Format: "JPEG", Msg: "sampling factors " + samplingString(f)}
		}
		if c[0] == 3 || c[1] == 3 {
			return bad
		}
	}
	switch len(s) {
	case 3:
		if s[0][1] == 4 || s[0][0]%s[1][0] != 0 || s[0][1]%s[1][1] != 0 || s[2] != s[1] {
			return bad
		}
	case 4:
		if s[0] != [2]int{1, 1} && s[0] != [2]int{2, 2} || s[1] != [2]int{1, 1} || s[2] != [2]int{1, 1} || s[3] != s[0] {
			return bad
		}
	}
	return nil
}
