//go:build cgo && !noturbo

package imgload

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"image"
	"unsafe"
)

var errNoTurbo = errors.New("turbojpeg cannot decode this JPEG")

func errFallback(err error) bool { return err == errNoTurbo }

// decodeJPEG decodes at the smallest DCT scale (1/8 … 1) whose long side
// still reaches maxSide, with libjpeg-turbo's fast DCT and upsampling: the
// pictures feed a screen or a 416-pixel network, not an archive.
func decodeJPEG(data []byte, maxSide int) (*Picture, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, errNoTurbo
	}
	defer C.tjDestroy(h)
	var w, ht, subsamp, colorspace C.int
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	if C.tjDecompressHeader3(h, src, C.ulong(len(data)), &w, &ht, &subsamp, &colorspace) != 0 || w <= 0 || ht <= 0 {
		return nil, errNoTurbo // let Go's decoder give its own error
	}
	sw, sh := int(w), int(ht)
	if maxSide > 0 {
		var n C.int
		factors := unsafe.Slice(C.tjGetScalingFactors(&n), int(n))
		for _, f := range factors { // largest first; keep the last that is big enough
			fw := (int(w)*int(f.num) + int(f.denom) - 1) / int(f.denom)
			fh := (int(ht)*int(f.num) + int(f.denom) - 1) / int(f.denom)
			if max(fw, fh) >= maxSide && fw*fh < sw*sh {
				sw, sh = fw, fh
			}
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, sw, sh))
	if C.tjDecompress2(h, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&img.Pix[0])),
		C.int(sw), C.int(img.Stride), C.int(sh), C.TJPF_RGBA, C.TJFLAG_FASTDCT|C.TJFLAG_FASTUPSAMPLE) != 0 {
		// a warning (say, extraneous bytes) still leaves a picture
		if C.tjGetErrorCode(h) != C.TJERR_WARNING {
			return nil, errors.New(C.GoString(C.tjGetErrorStr2(h)))
		}
	}
	return &Picture{Img: img, W: int(w), H: int(ht)}, nil
}
