// Package pix is LabelLoop's one image pipeline: every part that reads a
// picture (the dataset check, the editor, training's loader, prediction,
// evaluation, pre-labelling) decodes it here, so a file the check accepts
// is a file training reads, and all of them see the same pixels. Pixels
// are those of the seed's PIL pipeline: Image.open(f).convert("RGB"),
// as stored (EXIF orientation not applied), then Image.resize(BICUBIC)
// (see resize.go).
package pix

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"strconv"
	"sync/atomic"
)

// WarnPixels is PIL's Image.MAX_IMAGE_PIXELS: above it PIL warns of a
// possible decompression bomb, and so does the check.
const WarnPixels = 89_478_485

// DefaultMaxPixels is where PIL refuses (twice its warning limit).
const DefaultMaxPixels = 2 * WarnPixels

// MaxPixelsEnv raises (or lowers) the limit for every command and the
// window; each command's --max-pixels flag sets it too.
const MaxPixelsEnv = "LABELLOOP_MAX_PIXELS"

var maxPixels atomic.Int64

func init() {
	maxPixels.Store(DefaultMaxPixels)
	if v := os.Getenv(MaxPixelsEnv); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			maxPixels.Store(n)
		}
	}
}

// MaxPixels is the largest picture (width × height) decoded.
func MaxPixels() int64 { return maxPixels.Load() }

// SetMaxPixels changes the limit (n <= 0 restores the default).
func SetMaxPixels(n int64) {
	if n <= 0 {
		n = DefaultMaxPixels
	}
	maxPixels.Store(n)
}

// TooLargeError is a header claiming more pixels than the limit: refused
// before any pixel buffer is allocated.
type TooLargeError struct {
	Width, Height int
	Limit         int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%dx%d is %s, over the limit of %s (a decompression bomb?); raise it with --max-pixels or %s if the picture is real",
		e.Width, e.Height, Megapixels(int64(e.Width)*int64(e.Height)), Megapixels(e.Limit), MaxPixelsEnv)
}

// Megapixels writes a pixel count for people: "179 MP", or "5000 pixels".
func Megapixels(n int64) string {
	if n < 1_000_000 {
		return fmt.Sprintf("%d pixels", n)
	}
	return fmt.Sprintf("%.0f MP", float64(n)/1e6)
}

// CheckSize refuses a w×h picture over the limit.
func CheckSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return &CorruptError{Msg: fmt.Sprintf("header gives size %dx%d", w, h)}
	}
	if int64(w)*int64(h) > MaxPixels() {
		return &TooLargeError{Width: w, Height: h, Limit: MaxPixels()}
	}
	return nil
}

// CorruptError is image data that cannot be decoded as it should:
// truncated, or damaged entropy-coded data.
type CorruptError struct {
	Format    string
	Msg       string
	Truncated bool
}

func (e *CorruptError) Error() string {
	if e.Format == "" {
		return "corrupt image: " + e.Msg
	}
	return "corrupt " + e.Format + ": " + e.Msg
}

// UnsupportedError is a valid image of a kind the decoder does not read.
type UnsupportedError struct {
	Format string
	Msg    string
}

func (e *UnsupportedError) Error() string { return e.Format + " not supported: " + e.Msg }

// ErrUnknownFormat is data that is not a JPEG, PNG or BMP.
var ErrUnknownFormat = errors.New("not a JPEG, PNG or BMP image")

// ErrEmpty is a file of no bytes (a copy or download that never ran),
// named as the dataset check names it.
var ErrEmpty = errors.New("empty file")

// Sniff names the format of data from its first bytes ("" if unknown).
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "JPEG"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "PNG"
	case bytes.HasPrefix(data, []byte("BM")):
		return "BMP"
	}
	return ""
}

// Decode reads the picture at path at full size, as the seed's pipeline
// does. Errors name the file.
func Decode(path string) (*image.RGBA, error) { return DecodeRows(path, nil) }

// DecodeRows is Decode handing the picture over while it is decoded:
// rows(img, n), if not nil, is called on the caller's goroutine each time
// rows [0, n) of img are final (the same img, n growing), the last time
// with all of them unless decoding fails. A JPEG reports every few rows,
// other formats once at the end: pre-processing can work on the top of a
// photo while the rest is decoded.
func DecodeRows(path string, rows func(img *image.RGBA, n int)) (*image.RGBA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, _, _, err := decode(data, 0, rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rows != nil {
		rows(img, img.Rect.Dy())
	}
	return img, nil
}

// DecodeBytes decodes data at full size into RGB (alpha 255), as PIL's
// convert("RGB") gives it: transparent pixels keep their stored colour,
// greyscale is copied to the three channels, CMYK is converted as PIL
// converts it.
func DecodeBytes(data []byte) (*image.RGBA, error) {
	img, _, _, err := DecodeScaled(data, 0)
	return img, err
}

// DecodeScaled decodes data for a display no larger than needed for
// minSide pixels on its long side (0: full size): JPEGs come out of the
// DCT at a reduced scale with fast settings, so this is for screens, not
// for the network. W and h are the stored size.
func DecodeScaled(data []byte, minSide int) (img *image.RGBA, w, h int, err error) {
	return decode(data, minSide, nil)
}

// decode is DecodeScaled, telling rows (JPEG only; nil: nobody) as rows
// become final.
func decode(data []byte, minSide int, rows func(img *image.RGBA, n int)) (img *image.RGBA, w, h int, err error) {
	switch Sniff(data) {
	case "JPEG":
		return decodeJPEG(data, minSide, rows)
	case "PNG":
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, 0, 0, goErr("PNG", err)
		}
		if err := CheckSize(cfg.Width, cfg.Height); err != nil {
			return nil, 0, 0, err
		}
		src, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, 0, 0, goErr("PNG", err)
		}
		return ToRGB(src), cfg.Width, cfg.Height, nil
	case "BMP":
		return decodeBMP(data)
	}
	if len(data) == 0 {
		return nil, 0, 0, ErrEmpty
	}
	return nil, 0, 0, ErrUnknownFormat
}

// goErr types the errors of Go's PNG decoder.
func goErr(format string, err error) error {
	var fe png.FormatError
	switch {
	case errors.As(err, &fe):
		// Go says this of IDAT data that stops early
		return &CorruptError{Format: format, Msg: string(fe), Truncated: string(fe) == "not enough pixel data"}
	case errors.As(err, new(png.UnsupportedError)):
		return &UnsupportedError{Format: format, Msg: err.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &CorruptError{Format: format, Msg: "the file ends early (truncated)", Truncated: true}
	}
	return &CorruptError{Format: format, Msg: err.Error()}
}

// ToRGB copies img into an opaque RGBA image the way PIL's convert("RGB")
// does: the stored colour of each pixel whatever its alpha (never
// premultiplied, so a transparent pixel keeps its colour instead of
// turning black); 16-bit samples keep their high byte.
func ToRGB(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if yc, ok := img.(*image.YCbCr); ok {
		// opaque, so Go's own fast conversion loses nothing
		draw.Draw(out, out.Rect, yc, b.Min, draw.Src)
		return out
	}
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		d := out.Pix[y*out.Stride : y*out.Stride+4*w]
		switch s := img.(type) {
		case *image.RGBA:
			copy(d, s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
			for x := 3; x < len(d); x += 4 {
				d[x] = 0xFF
			}
			continue
		case *image.NRGBA:
			copy(d, s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
			for x := 3; x < len(d); x += 4 {
				d[x] = 0xFF
			}
			continue
		case *image.Gray:
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				v := row[x]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 0xFF
			}
			continue
		case *image.NRGBA64:
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = row[8*x], row[8*x+2], row[8*x+4], 0xFF
			}
			continue
		case *image.RGBA64:
			// Go's PNG decoder gives opaque 16-bit colour as RGBA64
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = row[8*x], row[8*x+2], row[8*x+4], 0xFF
			}
			continue
		case *image.Gray16:
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				v := row[2*x]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 0xFF
			}
			continue
		case *image.Paletted:
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			pal := make([][3]uint8, len(s.Palette))
			for i, c := range s.Palette {
				pal[i] = storedRGB(c)
			}
			for x := 0; x < w; x++ {
				var c [3]uint8
				if int(row[x]) < len(pal) {
					c = pal[row[x]]
				}
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c[0], c[1], c[2], 0xFF
			}
			continue
		}
		for x := 0; x < w; x++ {
			c := storedRGB(img.At(b.Min.X+x, b.Min.Y+y))
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c[0], c[1], c[2], 0xFF
		}
	}
	return out
}

// storedRGB is a colour's own RGB, not premultiplied by its alpha.
func storedRGB(c color.Color) [3]uint8 {
	switch c := c.(type) {
	case color.NRGBA:
		return [3]uint8{c.R, c.G, c.B}
	case color.NRGBA64:
		return [3]uint8{uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)}
	case color.Gray:
		return [3]uint8{c.Y, c.Y, c.Y}
	case color.CMYK:
		r, g, b := CMYKToRGB(c.C, c.M, c.Y, c.K)
		return [3]uint8{r, g, b}
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return [3]uint8{n.R, n.G, n.B}
}

// CMYKToRGB is PIL's cmyk2rgb (Convert.c), rounding included.
func CMYKToRGB(c, m, y, k uint8) (uint8, uint8, uint8) {
	nk := 255 - int(k)
	f := func(v uint8) uint8 {
		t := int(v)*nk + 128
		return uint8(max(0, min(255, nk-((t>>8)+t)>>8)))
	}
	return f(c), f(m), f(y)
}

// cmykToRGBInPlace converts libjpeg's CMYK output, 4 bytes a pixel, to
// RGBA in place. PIL reads every CMYK JPEG as Adobe-inverted ("CMYK;I":
// 255 is no ink), as Photoshop writes them, and so does this.
func cmykToRGBInPlace(p []byte, inverted bool) {
	for i := 0; i+3 < len(p); i += 4 {
		c, m, y, k := p[i], p[i+1], p[i+2], p[i+3]
		if inverted {
			c, m, y, k = 255-c, 255-m, 255-y, 255-k
		}
		p[i], p[i+1], p[i+2] = CMYKToRGB(c, m, y, k)
		p[i+3] = 0xFF
	}
}

// JPEGFrame is what a JPEG's frame (SOF) header says: enough to know,
// without decoding, whether this build's decoder reads the file.
type JPEGFrame struct {
	Marker    byte     // 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC9/0xCA arithmetic, ...
	Precision int      // bits per sample
	Sampling  [][2]int // each component's horizontal and vertical sampling factors
}

func (f JPEGFrame) kind() string {
	switch f.Marker {
	case 0xC3, 0xC7, 0xCB, 0xCF:
		return "lossless JPEG"
	case 0xC5, 0xC6, 0xCD, 0xCE:
		return "hierarchical JPEG"
	case 0xC9, 0xCA:
		return "arithmetic-coded JPEG"
	}
	return "JPEG"
}

// JPEGSupported reports whether this build's decoder reads a JPEG with
// frame header f: the check refuses exactly what training could not read.
func JPEGSupported(f JPEGFrame) error {
	n := len(f.Sampling)
	switch {
	case f.Precision != 8:
		return &UnsupportedError{Format: "JPEG", Msg: fmt.Sprintf("%d-bit samples (only 8-bit JPEGs are read)", f.Precision)}
	case n != 1 && n != 3 && n != 4:
		return &UnsupportedError{Format: "JPEG", Msg: fmt.Sprintf("%d colour components (1, 3 or 4 are read)", n)}
	}
	return jpegSupported(f)
}

func samplingString(f JPEGFrame) string {
	s := ""
	for i, c := range f.Sampling {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%dx%d", c[0], c[1])
	}
	return s
}
