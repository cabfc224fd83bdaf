package synth

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
)

// Video writes secs seconds of ffmpeg's test pattern to path (the ffmpeg
// binary must be there): size "WxH", rate "30" or "30000/1001", H.264
// yuv420p unless codec gives other output arguments ("-c:v", "mpeg4" for
// odd sizes, which x264's yuv420p cannot hold).
func Video(path, size, rate string, secs float64, codec ...string) error {
	if len(codec) == 0 {
		codec = []string{"-pix_fmt", "yuv420p"}
	}
	args := []string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=" + size + ":rate=" + rate,
		"-t", strconv.FormatFloat(secs, 'f', -1, 64)}
	args = append(append(args, codec...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("making %s: %v %s", path, err, out)
	}
	return nil
}

// Stream sends the test pattern as MPEG-TS to a free local UDP port in
// real time (ffmpeg -re), as an IP camera would, for up to secs seconds.
// It returns the stream's address and a stop function.
func Stream(size, rate string, secs float64) (string, func(), error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	url := "udp://" + c.LocalAddr().String()
	c.Close()
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size="+size+":rate="+rate,
		"-t", strconv.FormatFloat(secs, 'f', -1, 64), "-c:v", "mpeg2video", "-g", "6", "-f", "mpegts", url+"?pkt_size=1316")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("streaming to %s: %v", url, err)
	}
	return url, func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

// CountFrames decodes a video with ffprobe and counts its frames (what a
// player will show, not what the header claims).
func CountFrames(path string) (int, error) {
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		return 0, fmt.Errorf("counting the frames of %s: %v", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("counting the frames of %s: ffprobe said %q", path, out)
	}
	return n, nil
}
