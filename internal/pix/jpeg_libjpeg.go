//go:build cgo && !noturbo

package pix

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

// libjpeg reports errors by calling error_exit, which must not return:
// each entry point below sets a jump target first.
typedef struct {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int corrupt; // the first warning that means damaged data, 0 if none
	char msg[JMSG_LENGTH_MAX];
} llerr;

typedef struct {
	struct jpeg_decompress_struct d;
	llerr e;
	int created;
} lljpeg;

static void ll_exit(j_common_ptr c) {
	llerr *e = (llerr *)c->err;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jb, 1);
}

// Warnings leave a picture, but these mean its data is cut short or
// damaged: the caller refuses it rather than train on grey filler.
static void ll_emit(j_common_ptr c, int level) {
	llerr *e = (llerr *)c->err;
	if (level >= 0)
		return;
	c->err->num_warnings++;
	switch (c->err->msg_code) {
	case JWRN_JPEG_EOF: case JWRN_HIT_MARKER: case JWRN_MUST_RESYNC:
	case JWRN_HUFF_BAD_CODE: case JWRN_ARITH_BAD_CODE:
		if (!e->corrupt) {
			e->corrupt = c->err->msg_code;
			(*c->err->format_message)(c, e->msg);
		}
	}
}

static lljpeg *ll_new(void) {
	lljpeg *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->d.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = ll_exit;
	j->e.pub.emit_message = ll_emit;
	return j;
}

static void ll_free(lljpeg *j) {
	if (j->created)
		jpeg_destroy_decompress(&j->d);
	free(j);
}

// ll_header reads the markers up to the first scan. 0 on success.
static int ll_header(lljpeg *j, const unsigned char *buf, unsigned long n) {
	if (setjmp(j->e.jb))
		return -1;
	jpeg_create_decompress(&j->d);
	j->created = 1;
	jpeg_mem_src(&j->d, buf, n);
	jpeg_read_header(&j->d, TRUE);
	return 0;
}

static int ll_jpeg_eof(void) { return JWRN_JPEG_EOF; }

// ll_start sets the output (RGBA, or CMYK for CMYK and YCCK files), the
// scale and, for screens, the fast DCT and upsampling; the default is
// what PIL gets (accurate DCT, fancy upsampling).
static int ll_start(lljpeg *j, int num, int fast) {
	if (setjmp(j->e.jb))
		return -1;
	struct jpeg_decompress_struct *d = &j->d;
	if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK)
		d->out_color_space = JCS_CMYK;
	else
		d->out_color_space = JCS_EXT_RGBA;
	d->scale_num = num;
	d->scale_denom = 8;
	if (fast) {
		d->dct_method = JDCT_IFAST;
		d->do_fancy_upsampling = FALSE;
	}
	jpeg_start_decompress(d);
	return 0;
}

// ll_read_to decodes the rows up to upto (those before it are done),
// and finishes the picture after its last row.
static int ll_read_to(lljpeg *j, unsigned char *out, int stride, int upto) {
	if (setjmp(j->e.jb))
		return -1;
	struct jpeg_decompress_struct *d = &j->d;
	// several rows a call: libjpeg makes an MCU row's worth at once
	JSAMPROW rows[16];
	while (d->output_scanline < (JDIMENSION)upto) {
		int n = upto - d->output_scanline;
		if (n > 16)
			n = 16;
		for (int i = 0; i < n; i++)
			rows[i] = out + (size_t)(d->output_scanline + i) * stride;
		jpeg_read_scanlines(d, rows, n);
	}
	if (d->output_scanline == d->output_height)
		jpeg_finish_decompress(d);
	return 0;
}

static int ll_width(lljpeg *j) { return j->d.image_width; }
static int ll_height(lljpeg *j) { return j->d.image_height; }
static int ll_out_width(lljpeg *j) { return j->d.output_width; }
static int ll_out_height(lljpeg *j) { return j->d.output_height; }
static int ll_cmyk(lljpeg *j) { return j->d.out_color_space == JCS_CMYK; }
static int ll_corrupt(lljpeg *j) { return j->e.corrupt; }
static const char *ll_msg(lljpeg *j) { return j->e.msg; }
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// decodeJPEG decodes with the system's libjpeg-turbo, the library PIL
// uses, with PIL's settings: every JPEG it reads (baseline, progressive,
// arithmetic, any chroma subsampling, greyscale, CMYK and YCCK) comes out
// with the same pixels as in the seed's pipeline. With minSide > 0 it
// decodes at the smallest DCT scale (1/8, 2/8, … 8/8: libjpeg-turbo
// scales in the inverse DCT by any eighth) whose long side still reaches
// minSide, fast (for screens): a camera photo comes out at about the
// size it is shown at, in a fraction of the full decode's time. Rows, if
// not nil, is told as the rows above n become final, for all but the last
// (DecodeRows).
func decodeJPEG(data []byte, minSide int, rows func(img *image.RGBA, n int)) (*image.RGBA, int, int, error) {
	j := C.ll_new()
	if j == nil {
		return nil, 0, 0, &CorruptError{Format: "JPEG", Msg: "out of memory"}
	}
	defer C.ll_free(j)
	// libjpeg keeps the input pointer between calls: give it C memory
	buf := C.CBytes(data)
	defer C.free(buf)
	fail := func() (*image.RGBA, int, int, error) {
		return nil, 0, 0, &CorruptError{Format: "JPEG", Msg: C.GoString(C.ll_msg(j)),
			Truncated: C.ll_corrupt(j) == C.ll_jpeg_eof()}
	}
	if C.ll_header(j, (*C.uchar)(buf), C.ulong(len(data))) != 0 {
		return fail()
	}
	w, h := int(C.ll_width(j)), int(C.ll_height(j))
	if err := CheckSize(w, h); err != nil {
		return nil, 0, 0, err
	}
	num, fast := 8, 0
	if minSide > 0 {
		fast = 1
		for m := 1; m < 8; m++ {
			if (max(w, h)*m+7)/8 >= minSide {
				num = m
				break
			}
		}
	}
	if C.ll_start(j, C.int(num), C.int(fast)) != 0 {
		return fail()
	}
	ow, oh := int(C.ll_out_width(j)), int(C.ll_out_height(j))
	img := image.NewRGBA(image.Rect(0, 0, ow, oh))
	// rows are final a chunk at a time, except CMYK's (converted after)
	chunk := oh
	if rows != nil && C.ll_cmyk(j) == 0 {
		chunk = rowChunk
	}
	for done := 0; done < oh; {
		done = min(done+chunk, oh)
		if C.ll_read_to(j, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(img.Stride), C.int(done)) != 0 || C.ll_corrupt(j) != 0 {
			return fail()
		}
		if done < oh && rows != nil {
			rows(img, done)
		}
	}
	if C.ll_cmyk(j) != 0 {
		cmykToRGBInPlace(img.Pix, true)
	}
	return img, w, h, nil
}

// rowChunk is how many rows a JPEG decode reports at a time: the
// tallest MCU (4:2:0, 4:4:0) twice over.
const rowChunk = 32

const usesLibjpeg = true

// jpegSupported is libjpeg-turbo 2.1's rules: Huffman or arithmetic
// coding, sequential or progressive, and sampling factors of 1 to 4
// that divide the largest (it upsamples by whole factors only).
func jpegSupported(f JPEGFrame) error {
	switch f.Marker {
	case 0xC0, 0xC1, 0xC2, 0xC9, 0xCA:
	default:
		return &UnsupportedError{Format: "JPEG", Msg: f.kind() + " (SOF marker " + fmt.Sprintf("0x%02X", f.Marker) + ")"}
	}
	hmax, vmax, blocks := 1, 1, 0
	for _, c := range f.Sampling {
		if c[0] < 1 || c[0] > 4 || c[1] < 1 || c[1] > 4 {
			return &CorruptError{Format: "JPEG", Msg: "sampling factors " + samplingString(f)}
		}
		hmax, vmax = max(hmax, c[0]), max(vmax, c[1])
		blocks += c[0] * c[1]
	}
	if len(f.Sampling) > 1 && blocks > 10 {
		return &CorruptError{Format: "JPEG", Msg: "sampling factors " + samplingString(f) + " make an MCU of more than 10 blocks"}
	}
	for _, c := range f.Sampling {
		if hmax%c[0] != 0 || vmax%c[1] != 0 {
			return &UnsupportedError{Format: "JPEG", Msg: "fractional chroma sampling " + samplingString(f)}
		}
	}
	return nil
}
