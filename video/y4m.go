package video

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Frames cross the pipes to and from ffmpeg as YUV4MPEG2 (y4m): yuv420p
// planes with a one-line header giving size and frame rate. Because the
// stream describes itself, neither ffmpeg child waits for an ffprobe run
// first, and the encoder can start (and load its 200 libraries) while the
// decoder is still starting: together that was a third of a second of
// idle detector before the first frame (see BENCHMARKS.md).

// y4mFormat is what a y4m stream header says.
type y4mFormat struct {
	W, H int
	Rate string // frame rate as y4m writes it, "30000:1001"
	FPS  float64
}

// readY4MHeader reads "YUV4MPEG2 W1280 H720 F30:1 Ip A1:1 C420jpeg ...".
func readY4MHeader(r io.Reader) (y4mFormat, error) {
	line, err := readLine(r, nil)
	if err != nil {
		return y4mFormat{}, err
	}
	f := strings.Fields(string(line))
	if len(f) == 0 || f[0] != "YUV4MPEG2" {
		return y4mFormat{}, fmt.Errorf("not a YUV4MPEG2 stream: %.40q", line)
	}
	var h y4mFormat
	for _, tok := range f[1:] {
		v := tok[1:]
		switch tok[0] {
		case 'W':
			h.W, err = strconv.Atoi(v)
		case 'H':
			h.H, err = strconv.Atoi(v)
		case 'F':
			h.Rate = v
			n, d, ok := strings.Cut(v, ":")
			num, e1 := strconv.ParseFloat(n, 64)
			den, e2 := strconv.ParseFloat(d, 64)
			if !ok || e1 != nil || e2 != nil || num <= 0 || den <= 0 {
				return y4mFormat{}, fmt.Errorf("y4m frame rate %q", v)
			}
			h.FPS = num / den
		case 'C':
			if !strings.HasPrefix(v, "420") {
				return y4mFormat{}, fmt.Errorf("y4m colour space %q, want 4:2:0", v)
			}
		}
		if err != nil {
			return y4mFormat{}, fmt.Errorf("y4m header %q: %v", tok, err)
		}
	}
	if h.W <= 0 || h.H <= 0 || h.Rate == "" {
		return y4mFormat{}, fmt.Errorf("y4m header without size or rate: %q", strings.TrimSpace(string(line)))
	}
	return h, nil
}

// header is the stream header for frames of this format.
func (h y4mFormat) header() []byte {
	return fmt.Appendf(nil, "YUV4MPEG2 W%d H%d F%s Ip A1:1 C420jpeg\n", h.W, h.H, h.Rate)
}

var y4mFrame = []byte("FRAME\n")

// readLine reads through the next newline a byte at a time. The lines are
// short, and reading no further than them lets each frame's planes be read
// straight into the frame, not copied through a buffer (1.4 MB per 720p
// frame).
func readLine(r io.Reader, line []byte) ([]byte, error) {
	var b [1]byte
	for len(line) < 4096 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			return line, nil
		}
	}
	return nil, fmt.Errorf("y4m: no end of line in %.20q", line)
}

// skipY4MFrameHeader reads the "FRAME" line before each frame's planes:
// ffmpeg's is exactly "FRAME\n", read in one call.
func skipY4MFrameHeader(r io.Reader, scratch *[6]byte) error {
	if _, err := io.ReadFull(r, scratch[:]); err != nil {
		return err
	}
	if bytes.Equal(scratch[:], y4mFrame) {
		return nil
	}
	if !bytes.HasPrefix(scratch[:], []byte("FRAME ")) {
		return fmt.Errorf("y4m: frame header %q", scratch[:])
	}
	_, err := readLine(r, scratch[:]) // frame parameters, unused
	return err
}
