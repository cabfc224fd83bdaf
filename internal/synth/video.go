package synth

import (
	"fmt"
	"os/exec"
	"strconv"
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
