package inference

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// VideoInfo is what ffprobe says of a video's first stream.
type VideoInfo struct {
	Width, Height int
	FPS           float64
	Duration      float64 // seconds; 0 when unknown (a live camera)
}

// IsVideoPath reports paths handled as video: common containers, and
// capture devices (/dev/videoN).
func IsVideoPath(p string) bool {
	if strings.HasPrefix(p, "/dev/video") {
		return true
	}
	switch strings.ToLower(p[strings.LastIndexByte(p, '.')+1:]) {
	case "mp4", "avi", "mov", "mkv", "webm", "m4v", "mpg", "mpeg", "wmv", "flv", "ts":
		return true
	}
	return false
}

func inputArgs(path string) []string {
	if strings.HasPrefix(path, "/dev/video") {
		return []string{"-f", "v4l2", "-i", path}
	}
	return []string{"-i", path}
}

// ProbeVideo reads a video's size and frame rate with ffprobe.
func ProbeVideo(path string) (VideoInfo, error) {
	args := []string{"-v", "error"}
	if strings.HasPrefix(path, "/dev/video") {
		args = append(args, "-f", "v4l2")
	}
	args = append(args, "-select_streams", "v:0", "-show_entries", "stream=width,height,r_frame_rate:format=duration", "-of", "json", path)
	out, err := exec.Command("ffprobe", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return VideoInfo{}, fmt.Errorf("not a video ffmpeg can read: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return VideoInfo{}, fmt.Errorf("ffprobe: %w (is ffmpeg installed?)", err)
	}
	var r struct {
		Streams []struct {
			Width, Height int
			Rate          string `json:"r_frame_rate"`
		}
		Format struct {
			Duration string
		}
	}
	if json.Unmarshal(out, &r) != nil || len(r.Streams) == 0 || r.Streams[0].Width == 0 {
		return VideoInfo{}, errors.New("no video stream")
	}
	s := r.Streams[0]
	fps := 30.0
	if a, b, ok := strings.Cut(s.Rate, "/"); ok {
		n, _ := strconv.ParseFloat(a, 64)
		d, _ := strconv.ParseFloat(b, 64)
		if d > 0 && n > 0 {
			fps = n / d
		}
	}
	dur, _ := strconv.ParseFloat(r.Format.Duration, 64)
	return VideoInfo{Width: s.Width, Height: s.Height, FPS: fps, Duration: dur}, nil
}

// VideoReader yields a video's frames, decoded by an ffmpeg child into
// raw RGBA.
type VideoReader struct {
	Info VideoInfo
	cmd  *exec.Cmd
	r    *bufio.Reader
	pool sync.Pool
	yuv  bool // frames come as yuv420p (NextYUV), not RGBA (Next)
}

// OpenVideo probes a video and starts decoding it to RGBA.
func OpenVideo(path string) (*VideoReader, error) { return openVideo(path, false) }

// OpenProbedAt starts decoding to RGBA at a time in seconds, for a caller
// that has probed the video already (a player seeking): no ffprobe run
// per seek.
func OpenProbedAt(path string, info VideoInfo, start float64) (*VideoReader, error) {
	return startDecoder(path, info, start, "rgba")
}

// OpenVideoYUV decodes to yuv420p frames (NextYUV), for saving annotated
// video without colour conversions. Odd sizes cannot be yuv420p: those
// give an error, and callers use OpenVideo.
func OpenVideoYUV(path string) (*VideoReader, error) { return openVideo(path, true) }

func openVideo(path string, yuv bool) (*VideoReader, error) {
	info, err := ProbeVideo(path)
	if err != nil {
		return nil, err
	}
	pixfmt := "rgba"
	if yuv {
		if info.Width%2 != 0 || info.Height%2 != 0 {
			return nil, fmt.Errorf("%dx%d: odd sizes have no yuv420p", info.Width, info.Height)
		}
		pixfmt = "yuv420p"
	}
	return startDecoder(path, info, 0, pixfmt)
}

func startDecoder(path string, info VideoInfo, start float64, pixfmt string) (*VideoReader, error) {
	args := []string{"-v", "error", "-nostdin"}
	if start > 0 {
		args = append(args, "-ss", strconv.FormatFloat(start, 'f', 3, 64))
	}
	args = append(args, inputArgs(path)...)
	args = append(args, "-an", "-f", "rawvideo", "-pix_fmt", pixfmt, "-")
	cmd := exec.Command("ffmpeg", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	growPipe(out)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	return &VideoReader{Info: info, cmd: cmd, r: bufio.NewReaderSize(out, 1<<20), yuv: pixfmt == "yuv420p"}, nil
}

// NextYUV returns the next frame of a reader from OpenVideoYUV, or io.EOF.
func (v *VideoReader) NextYUV() (*YUVFrame, error) {
	f, _ := v.pool.Get().(*YUVFrame)
	if f == nil {
		f = NewYUVFrame(v.Info.Width, v.Info.Height)
	}
	if _, err := io.ReadFull(v.r, f.Buf); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return nil, err
	}
	return f, nil
}

// ReleaseYUV hands a frame back for reuse.
func (v *VideoReader) ReleaseYUV(f *YUVFrame) { v.pool.Put(f) }

// Next returns the next frame, or io.EOF. ffmpeg writes RGBA straight
// into the image's pixels: measured, that beats rgb24 plus a conversion
// loop in Go per frame in each direction (see BENCHMARKS.md).
func (v *VideoReader) Next() (*image.RGBA, error) {
	img, _ := v.pool.Get().(*image.RGBA)
	if img == nil {
		img = image.NewRGBA(image.Rect(0, 0, v.Info.Width, v.Info.Height))
	}
	if _, err := io.ReadFull(v.r, img.Pix); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return nil, err
	}
	return img, nil
}

// Release hands a frame back for reuse once it is written: a 720p frame is
// 3.7 MB, thirty times a second.
func (v *VideoReader) Release(img *image.RGBA) { v.pool.Put(img) }

// Close stops the decoder.
func (v *VideoReader) Close() {
	v.cmd.Process.Kill()
	v.cmd.Wait()
}

// VideoWriter encodes RGBA frames to a file with an ffmpeg child (H.264;
// no audio). x264's ultrafast preset: the encoder shares the CPU with the
// detector, and a bigger file is a better trade than a slower pipeline.
type VideoWriter struct {
	cmd *exec.Cmd
	w   io.WriteCloser
}

// CreateVideo starts an encoder writing path from RGBA frames.
func CreateVideo(path string, info VideoInfo) (*VideoWriter, error) {
	return createVideo(path, info, "rgba")
}

// CreateVideoYUV starts an encoder writing path from yuv420p frames.
func CreateVideoYUV(path string, info VideoInfo) (*VideoWriter, error) {
	return createVideo(path, info, "yuv420p")
}

func createVideo(path string, info VideoInfo, pixfmt string) (*VideoWriter, error) {
	cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", pixfmt,
		"-s", fmt.Sprintf("%dx%d", info.Width, info.Height), "-r", strconv.FormatFloat(info.FPS, 'f', 3, 64), "-i", "-",
		"-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p", path)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	growPipe(in)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	return &VideoWriter{cmd: cmd, w: in}, nil
}

// Write encodes one frame.
func (v *VideoWriter) Write(img *image.RGBA) error {
	_, err := v.w.Write(img.Pix)
	return err
}

// WriteYUV encodes one yuv420p frame.
func (v *VideoWriter) WriteYUV(f *YUVFrame) error {
	_, err := v.w.Write(f.Buf)
	return err
}

// Close finishes the file.
func (v *VideoWriter) Close() error {
	v.w.Close()
	return v.cmd.Wait()
}
