package video

import (
	"context"
	"io"
	"strings"
)

// IsCamera reports a capture device (/dev/videoN, read through v4l2).
func IsCamera(p string) bool { return strings.HasPrefix(p, "/dev/video") }

// liveSchemes are the network streams ffmpeg reads that never end by
// themselves: IP cameras (RTSP), streaming servers, a UDP/TCP/SRT feed.
var liveSchemes = []string{"rtsp://", "rtsps://", "rtmp://", "rtmps://", "udp://", "tcp://", "srt://", "rtp://"}

// IsLive reports a source that runs in real time until the user stops
// it: a camera or a network stream.
func IsLive(p string) bool {
	if IsCamera(p) {
		return true
	}
	l := strings.ToLower(p)
	for _, s := range liveSchemes {
		if strings.HasPrefix(l, s) {
			return true
		}
	}
	return false
}

// Numbered is a frame and its place in the source (frames dropped from a
// live source still count).
type Numbered[T any] struct {
	N     int
	Frame T
}

// Frames reads frames with next in a goroutine of its own and sends them
// on, numbered from 0, until next fails (io.EOF ends quietly, another
// error goes to errc) or ctx ends; then the channel closes. With live
// set, a frame still waiting when the next one is read is dropped (handed
// to release): a camera must not queue up behind a slower detector, or
// what is shown falls further and further behind it.
func Frames[T any](ctx context.Context, next func() (T, error), release func(T), live bool, errc chan<- error) <-chan Numbered[T] {
	size := 4
	if live {
		size = 1
	}
	ch := make(chan Numbered[T], size)
	go func() {
		defer close(ch)
		for n := 0; ; n++ {
			f, err := next()
			if err != nil {
				if err != io.EOF {
					errc <- err
				}
				return
			}
			nf := Numbered[T]{n, f}
			if !live {
				select {
				case ch <- nf:
				case <-ctx.Done():
					release(f)
					return
				}
				continue
			}
			for sent := false; !sent; {
				select {
				case ch <- nf:
					sent = true
				case <-ctx.Done():
					release(f)
					return
				default:
					select { // the waiting frame is stale now
					case old := <-ch:
						release(old.Frame)
					default:
					}
				}
			}
		}
	}()
	return ch
}

// SourceName is how outputs name a source: a stream's address without
// the user name and password it may carry (rtsp://user:pass@cam/live).
func SourceName(p string) string {
	if !IsLive(p) || IsCamera(p) {
		return p
	}
	scheme, rest, _ := strings.Cut(p, "://")
	host, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}
