package video

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/labelloop/labelloop/detect"
)

// VideoInfo is what ffprobe says of a video's first stream.
type VideoInfo struct {
	Width, Height int
	FPS           float64
	Duration      float64 // seconds; 0 when unknown (a live camera)
}

// IsVideoPath reports paths handled as video: common containers, capture
// devices and network streams.
func IsVideoPath(p string) bool {
	if IsLive(p) {
		return true
	}
	switch strings.ToLower(p[strings.LastIndexByte(p, '.')+1:]) {
	case "mp4", "avi", "mov", "mkv", "webm", "m4v", "mpg", "mpeg", "wmv", "flv", "ts":
		return true
	}
	return false
}

func inputArgs(path string) []string {
	return append(probeArgs(path), "-i", path)
}

// probeArgs say how to open path: a camera through v4l2; a network
// stream probed for a second (ffmpeg's default, five, is the time a user
// waits for a UDP stream's first frame).
func probeArgs(path string) []string {
	switch {
	case IsCamera(path):
		return []string{"-f", "v4l2"}
	case IsLive(path):
		return []string{"-analyzeduration", "1000000"}
	}
	return nil
}

// ProbeVideo reads a video's size and frame rate with ffprobe.
func ProbeVideo(path string) (VideoInfo, error) {
	args := append([]string{"-v", "error"}, probeArgs(path)...)
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

// VideoReader yields a video's frames, decoded by an ffmpeg child: RGBA
// (Next), or yuv420p in a y4m stream (NextYUV, from OpenVideoYUV).
type VideoReader struct {
	Info      VideoInfo
	cmd       *exec.Cmd
	r         io.Reader
	pool      sync.Pool
	y4m       bool // each frame after a y4m FRAME line
	format    y4mFormat
	frameLine [6]byte
}

// OpenVideo probes a video and starts decoding it to RGBA.
func OpenVideo(path string) (*VideoReader, error) { return openVideo(path) }

// OpenProbedAt starts decoding to RGBA at a time in seconds, for a caller
// that has probed the video already (a player seeking): no ffprobe run
// per seek.
func OpenProbedAt(path string, info VideoInfo, start float64) (*VideoReader, error) {
	return startDecoder(path, info, start, "rgba")
}

// errOddSize: yuv420p (and x264) want even sizes; such videos go through
// RGBA instead.
var errOddSize = errors.New("odd frame size")

// OpenVideoYUV decodes to yuv420p frames (NextYUV), for saving annotated
// video without colour conversions. It needs no ffprobe run: the frames
// come as y4m, whose header gives size and rate (Duration stays 0). Odd
// sizes give errOddSize; callers then use OpenVideo.
func OpenVideoYUV(path string) (*VideoReader, error) { return openY4M(path, 0) }

// openY4M decodes with this many threads (0: ffmpeg's choice, one per
// core and one more). One thread keeps up with a detector on the CPU
// (a 720p H.264 frame takes ~1 ms) and costs a third less CPU than
// ffmpeg's frame threads, CPU the detector then has.
func openY4M(path string, threads int) (*VideoReader, error) {
	args := []string{"-v", "error", "-nostdin"}
	if threads > 0 {
		args = append(args, "-threads", strconv.Itoa(threads))
	}
	args = append(args, inputArgs(path)...)
	args = append(args, "-an", "-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", "-")
	cmd := exec.Command("ffmpeg", args...)
	ownGroup(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	growPipe(out)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w (is ffmpeg installed?)", err)
	}
	v := &VideoReader{cmd: cmd, r: out, y4m: true}
	v.format, err = readY4MHeader(out)
	if err != nil {
		v.Close()
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("not a video ffmpeg can read: %s", msg)
		}
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if v.format.W%2 != 0 || v.format.H%2 != 0 {
		v.Close()
		return nil, fmt.Errorf("%dx%d: %w", v.format.W, v.format.H, errOddSize)
	}
	v.Info = VideoInfo{Width: v.format.W, Height: v.format.H, FPS: v.format.FPS}
	return v, nil
}

func openVideo(path string) (*VideoReader, error) {
	info, err := ProbeVideo(path)
	if err != nil {
		return nil, err
	}
	return startDecoder(path, info, 0, "rgba")
}

func startDecoder(path string, info VideoInfo, start float64, pixfmt string) (*VideoReader, error) {
	args := []string{"-v", "error", "-nostdin"}
	if start > 0 {
		args = append(args, "-ss", strconv.FormatFloat(start, 'f', 3, 64))
	}
	args = append(args, inputArgs(path)...)
	args = append(args, "-an", "-f", "rawvideo", "-pix_fmt", pixfmt, "-")
	cmd := exec.Command("ffmpeg", args...)
	ownGroup(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	growPipe(out)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffmpeg: %w", err)
	}
	return &VideoReader{Info: info, cmd: cmd, r: out}, nil
}

// NextYUV returns the next frame of a reader from OpenVideoYUV, or io.EOF.
func (v *VideoReader) NextYUV() (*detect.YUVFrame, error) {
	f, _ := v.pool.Get().(*detect.YUVFrame)
	if f == nil {
		f = detect.NewYUVFrame(v.Info.Width, v.Info.Height)
	}
	if v.y4m {
		if err := skipY4MFrameHeader(v.r, &v.frameLine); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return nil, err
		}
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
func (v *VideoReader) ReleaseYUV(f *detect.YUVFrame) { v.pool.Put(f) }

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

// YUV reports a reader whose frames come as yuv420p (NextYUV), not RGBA.
func (v *VideoReader) YUV() bool { return v.y4m }

// Kill stops the decoder at once, so a read blocked on a stalled stream
// returns; Close still waits for it.
func (v *VideoReader) Kill() { v.cmd.Process.Kill() }

// VideoWriter encodes frames to a file with an ffmpeg child (H.264; no
// audio). x264's ultrafast preset: the encoder shares the CPU with the
// detector, and a bigger file is a better trade than a slower pipeline.
type VideoWriter struct {
	cmd *exec.Cmd
	w   io.WriteCloser
}

// CreateVideo starts an encoder writing path from RGBA frames. x264's
// yuv420p needs even sizes: an odd width or height gets a black pixel
// more.
func CreateVideo(path string, info VideoInfo) (*VideoWriter, error) {
	return startEncoder(path, "-f", "rawvideo", "-pix_fmt", "rgba",
		"-s", fmt.Sprintf("%dx%d", info.Width, info.Height), "-r", strconv.FormatFloat(info.FPS, 'f', 3, 64),
		"-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2")
}

// CreateVideoYUV starts an encoder writing path from yuv420p frames before
// their size is known, so that its start-up overlaps the decoder's: give
// it the decoder's format with BeginYUV before the first WriteYUV.
func CreateVideoYUV(path string) (*VideoWriter, error) {
	return startEncoder(path, "-f", "yuv4mpegpipe", "-i", "-")
}

// startEncoder runs ffmpeg with these input (and filter) arguments.
func startEncoder(path string, input ...string) (*VideoWriter, error) {
	args := append([]string{"-v", "error", "-y"}, input...)
	args = append(args, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p", path)
	cmd := exec.Command("ffmpeg", args...)
	ownGroup(cmd)
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

// BeginYUV sends the stream header: the frames will be r's (a reader from
// OpenVideoYUV).
func (v *VideoWriter) BeginYUV(r *VideoReader) error {
	_, err := v.w.Write(r.format.header())
	return err
}

// WriteYUV encodes one yuv420p frame.
func (v *VideoWriter) WriteYUV(f *detect.YUVFrame) error {
	if _, err := v.w.Write(y4mFrame); err != nil {
		return err
	}
	_, err := v.w.Write(f.Buf)
	return err
}

// Close finishes the file.
func (v *VideoWriter) Close() error {
	v.w.Close()
	return v.cmd.Wait()
}

// Abort stops an encoder that has been sent nothing: ffmpeg has not opened
// path yet, so no file is left behind.
func (v *VideoWriter) Abort() {
	v.cmd.Process.Kill()
	v.w.Close()
	v.cmd.Wait()
}

// OpenPipeline starts the decoder and, when out is set, the encoder. The
// encoder starts first, on y4m input, so that both children load at once;
// a video of odd size sends both back for RGBA ones. Next to a CPU
// detector the decoder gets threads 1 (see openY4M); 0 is ffmpeg's choice.
func OpenPipeline(path, out string, threads int) (*VideoReader, *VideoWriter, error) {
	var vw *VideoWriter
	var err error
	if out != "" {
		if vw, err = CreateVideoYUV(out); err != nil {
			return nil, nil, err
		}
	}
	vr, err := openY4M(path, threads)
	if err == nil {
		if vw != nil {
			if err = vw.BeginYUV(vr); err != nil {
				vr.Close()
				vw.Abort()
				return nil, nil, fmt.Errorf("encoding: %w", err)
			}
		}
		return vr, vw, nil
	}
	if vw != nil {
		vw.Abort()
		vw = nil
	}
	if !errors.Is(err, errOddSize) {
		return nil, nil, err
	}
	if vr, err = OpenVideo(path); err != nil {
		return nil, nil, err
	}
	if out != "" {
		if vw, err = CreateVideo(out, vr.Info); err != nil {
			vr.Close()
			return nil, nil, err
		}
	}
	return vr, vw, nil
}
