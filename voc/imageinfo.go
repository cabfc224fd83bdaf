package voc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/labelloop/labelloop/internal/pix"
)

// ImageInfo is what the dataset checks need from an image: read from its
// header and tail, never by decoding pixels.
type ImageInfo struct {
	Format      string // "jpeg", "png", "bmp"; or the name of an unsupported format
	Width       int
	Height      int
	Channels    int // 1 grey, 2 grey+alpha, 3 colour, 4 with alpha (or CMYK for JPEG)
	Orientation int // EXIF orientation, 1 when absent
	Truncated   bool
	// Unsupported is set when the header is valid but describes a kind
	// of image the pipeline (internal/pix) does not decode: a 12-bit or
	// lossless JPEG, a BMP compressed as JPEG, ...
	Unsupported error
}

// Supported reports whether the trainers can read the format.
func (i ImageInfo) Supported() bool {
	return i.Format == "jpeg" || i.Format == "png" || i.Format == "bmp"
}

// ErrUnknownFormat is returned for files that are not any image we know.
var ErrUnknownFormat = errors.New("not a JPEG, PNG or BMP image")

// ReadImageInfo reads an image's header. The error for a file that is not
// an image, or whose header is cut short, says so.
func ReadImageInfo(path string) (ImageInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImageInfo{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ImageInfo{}, err
	}
	if fi.Size() == 0 {
		return ImageInfo{}, errEmptyFile
	}
	return readImageInfo(f, fi.Size())
}

func readImageInfo(r io.ReaderAt, size int64) (ImageInfo, error) {
	var head [32]byte
	n, _ := r.ReadAt(head[:], 0)
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return jpegInfo(r, size)
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return pngInfo(r, h, size)
	case bytes.HasPrefix(h, []byte("BM")):
		return bmpInfo(r, h, size)
	case bytes.HasPrefix(h, []byte("GIF8")):
		return ImageInfo{Format: "gif"}, nil
	case len(h) >= 12 && bytes.Equal(h[:4], []byte("RIFF")) && bytes.Equal(h[8:12], []byte("WEBP")):
		return ImageInfo{Format: "webp"}, nil
	case bytes.HasPrefix(h, []byte("II*\x00")) || bytes.HasPrefix(h, []byte("MM\x00*")):
		return ImageInfo{Format: "tiff"}, nil
	}
	return ImageInfo{}, ErrUnknownFormat
}

var (
	errShortHeader = errors.New("truncated image header")
	errEmptyFile   = errors.New("empty file")
	// errNeedFile: the bytes asked for are not in the prefetched head and
	// tail; the caller reads the file itself.
	errNeedFile = errors.New("bytes not prefetched")
)

// short maps a failed header read to the error the user sees.
func short(err error) error {
	if err == errNeedFile {
		return err
	}
	return errShortHeader
}

func jpegInfo(r io.ReaderAt, size int64) (ImageInfo, error) {
	info := ImageInfo{Format: "jpeg", Orientation: 1}
	off := int64(2)
	var seg [9]byte
	for {
		if _, err := r.ReadAt(seg[:4], off); err != nil {
			return info, short(err)
		}
		if seg[0] != 0xFF {
			return info, fmt.Errorf("corrupt JPEG: bad marker at byte %d", off)
		}
		marker := seg[1]
		if marker == 0xFF { // fill byte
			off++
			continue
		}
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			off += 2
			continue
		}
		if marker == 0xD9 || marker == 0xDA {
			return info, errors.New("corrupt JPEG: no frame header before image data")
		}
		length := int64(binary.BigEndian.Uint16(seg[2:4]))
		if length < 2 {
			return info, fmt.Errorf("corrupt JPEG: bad segment length at byte %d", off)
		}
		switch {
		case marker == 0xE1 && info.Orientation == 1:
			if length > 14 {
				buf := make([]byte, length-2)
				_, err := r.ReadAt(buf, off+4)
				if err == errNeedFile {
					return info, err
				}
				if err == nil {
					info.Orientation = exifOrientation(buf)
				}
			}
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			if length < 8 {
				return info, fmt.Errorf("corrupt JPEG: frame header of %d bytes", length)
			}
			sof := make([]byte, length-2)
			if _, err := r.ReadAt(sof, off+4); err != nil {
				return info, short(err)
			}
			info.Height = int(binary.BigEndian.Uint16(sof[1:3]))
			info.Width = int(binary.BigEndian.Uint16(sof[3:5]))
			info.Channels = int(sof[5])
			var samp [4][2]int
			frame := pix.JPEGFrame{Marker: marker, Precision: int(sof[0]), Sampling: samp[:0]}
			if len(sof) < 6+3*info.Channels {
				return info, errors.New("corrupt JPEG: frame header shorter than its components")
			}
			for c := 0; c < info.Channels; c++ {
				hv := sof[6+3*c+1]
				frame.Sampling = append(frame.Sampling, [2]int{int(hv >> 4), int(hv & 15)})
			}
			info.Unsupported = pix.JPEGSupported(frame)
			ok, err := hasTail(r, size, []byte{0xFF, 0xD9}, tailWindow)
			info.Truncated = !ok
			return info, err
		}
		off += 2 + length
	}
}

// exifOrientation reads tag 0x0112 from an APP1 payload ("Exif\0\0" + TIFF).
func exifOrientation(b []byte) int {
	if !bytes.HasPrefix(b, []byte("Exif\x00\x00")) {
		return 1
	}
	t := b[6:]
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := 0; i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// hasTail reports whether marker occurs in the last window bytes; cameras
// often pad after the end marker, so it need not be the very last bytes.
func hasTail(r io.ReaderAt, size int64, marker []byte, window int64) (bool, error) {
	if window > size {
		window = size
	}
	if m, ok := r.(*memReaderAt); ok { // a check reads 10,000s: no copy
		if b, ok := m.bytesAt(size-window, window); ok {
			return bytes.Contains(b, marker), nil
		}
	}
	buf := make([]byte, window)
	n, err := r.ReadAt(buf, size-window)
	if err == errNeedFile {
		return false, err
	}
	return bytes.Contains(buf[:n], marker), nil
}

// tailWindow is how far from the end a JPEG's end marker may sit.
const tailWindow = 4096

func pngInfo(r io.ReaderAt, h []byte, size int64) (ImageInfo, error) {
	info := ImageInfo{Format: "png", Orientation: 1}
	if len(h) < 26 || string(h[12:16]) != "IHDR" {
		return info, errShortHeader
	}
	info.Width = int(binary.BigEndian.Uint32(h[16:20]))
	info.Height = int(binary.BigEndian.Uint32(h[20:24]))
	switch h[25] {
	case 0:
		info.Channels = 1
	case 4:
		info.Channels = 2
	case 2, 3:
		info.Channels = 3
	case 6:
		info.Channels = 4
	default:
		return info, fmt.Errorf("corrupt PNG: colour type %d", h[25])
	}
	ok, err := hasTail(r, size, []byte("IEND"), 64)
	info.Truncated = !ok
	return info, err
}

func bmpInfo(r io.ReaderAt, h []byte, size int64) (ImageInfo, error) {
	info := ImageInfo{Format: "bmp", Orientation: 1}
	if len(h) < 30 {
		return info, errShortHeader
	}
	// the headers (up to a V5 one and its bit fields), not the palette
	head := make([]byte, min(size, 14+124+12))
	n, err := r.ReadAt(head, 0)
	if err == errNeedFile {
		return info, err
	}
	info.Unsupported = pix.BMPSupported(head[:n])
	declared := int64(binary.LittleEndian.Uint32(h[2:6]))
	info.Width = int(int32(binary.LittleEndian.Uint32(h[18:22])))
	hgt := int(int32(binary.LittleEndian.Uint32(h[22:26])))
	if hgt < 0 {
		hgt = -hgt // top-down rows
	}
	info.Height = hgt
	// 32-bit BMPs nearly always leave the fourth byte unused, so treat
	// every BMP as colour rather than warn about an alpha nobody drew.
	info.Channels = 3
	info.Truncated = declared > size
	return info, nil
}

// ExtFormat is the format an extension promises.
func ExtFormat(ext string) string {
	switch strings.ToLower(ext) {
	case ".jpg", ".jpeg":
		return "jpeg"
	case ".png":
		return "png"
	case ".bmp":
		return "bmp"
	}
	return ""
}
