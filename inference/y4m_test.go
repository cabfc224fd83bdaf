package inference

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadY4MHeader(t *testing.T) {
	h, err := readY4MHeader(bufio.NewReader(strings.NewReader("YUV4MPEG2 W1280 H720 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG\nFRAME\n")))
	if err != nil || h.W != 1280 || h.H != 720 || h.Rate != "30000:1001" || h.FPS < 29.97 || h.FPS > 29.98 {
		t.Fatalf("%+v %v", h, err)
	}
	// what we send the encoder reads back the same
	back, err := readY4MHeader(bufio.NewReader(strings.NewReader(string(h.header()))))
	if err != nil || back != h {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	for _, bad := range []string{
		"",
		"RIFF....WAVEfmt \n",
		"YUV4MPEG2 W640 F25:1\n",
		"YUV4MPEG2 W640 H480\n",
		"YUV4MPEG2 W640 H480 F25:0\n",
		"YUV4MPEG2 Wx H480 F25:1\n",
		"YUV4MPEG2 W640 H480 F25:1 C444\n",
	} {
		if _, err := readY4MHeader(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
