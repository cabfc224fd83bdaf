package video

import (
	"io"
	"strings"
	"testing"
)

func TestReadY4MHeader(t *testing.T) {
	r := strings.NewReader("YUV4MPEG2 W1280 H720 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG\nFRAME\nabcFRAME Ixyz\ndefFRAMX\n")
	h, err := readY4MHeader(r)
	if err != nil || h.W != 1280 || h.H != 720 || h.Rate != "30000:1001" || h.FPS < 29.97 || h.FPS > 29.98 {
		t.Fatalf("%+v %v", h, err)
	}
	// frames: the header line is skipped (with or without parameters) and
	// nothing past it is read
	var line [6]byte
	for _, want := range []string{"abc", "def"} {
		if err := skipY4MFrameHeader(r, &line); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 3)
		io.ReadFull(r, got)
		if string(got) != want {
			t.Fatalf("frame data %q, want %q", got, want)
		}
	}
	if err := skipY4MFrameHeader(r, &line); err == nil {
		t.Fatal("FRAMX accepted")
	}
	// what we send the encoder reads back the same
	back, err := readY4MHeader(strings.NewReader(string(h.header())))
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
		"YUV4MPEG2 W640 H480 F25:1" + strings.Repeat(" X", 3000) + "\n",
	} {
		if _, err := readY4MHeader(strings.NewReader(bad)); err == nil {
			t.Errorf("%.40q: no error", bad)
		}
	}
}
