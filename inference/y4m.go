package inference

import (
	"bufio"
	"bytes"
	"fmt"
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
func readY4MHeader(r *bufio.Reader) (y4mFormat, error) {
	line, err := r.ReadSlice('\n')
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

// skipY4MFrameHeader reads the "FRAME" line before each frame's planes.
func skipY4MFrameHeader(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, y4mFrame[:5]) {
		return fmt.Errorf("y4m: frame header %.20q", line)
	}
	return nil
}
