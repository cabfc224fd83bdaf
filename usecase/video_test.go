package usecase

import "testing"

// A video's output is named after its file, or a stream's address.
func TestVideoName(t *testing.T) {
	for in, want := range map[string]string{
		"clips/walk.mp4": "walk", "/dev/video0": "video0",
		"rtsp://admin:pw@cam.local:554/live/ch1?tcp": "cam.local_554_live_ch1",
		"udp://127.0.0.1:5000":                       "127.0.0.1_5000", "rtsp://": "stream",
	} {
		if got := videoName(in); got != want {
			t.Errorf("videoName(%q) = %q, want %q", in, got, want)
		}
	}
}
