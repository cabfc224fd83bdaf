package weights

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labelloop/labelloop/internal/weights/weightstest"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// served starts a server for one file and points the catalog at it.
func served(t *testing.T, file string, data []byte) (*weightstest.Server, Entry, *Fetcher) {
	t.Helper()
	s := weightstest.NewServer(map[string][]byte{file: data})
	t.Cleanup(s.Close)
	t.Setenv(URLEnv, s.URL+"/mirror/")
	e := Entry{Name: "test", Kind: Detector, File: file, URL: "https://example.invalid/" + file}
	return s, e, &Fetcher{Dir: filepath.Join(t.TempDir(), "cache")}
}

// A download reports its progress up to the whole size, lands under its
// name in the cache, and a second fetch serves it from there.
func TestFetchProgress(t *testing.T) {
	data := randomBytes(700<<10, 1)
	s, e, f := served(t, "w.pth", data)
	var calls [][2]int64
	f.Progress = func(done, total int64) { calls = append(calls, [2]int64{done, total}) }
	p, err := f.Fetch(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) || p != filepath.Join(f.Dir, "w.pth") {
		t.Fatalf("%s: %d bytes", p, len(got))
	}
	if len(calls) < 2 || calls[len(calls)-1] != [2]int64{int64(len(data)), int64(len(data))} {
		t.Fatalf("progress %v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went back: %v", calls)
		}
	}
	if _, err := f.Fetch(context.Background(), e); err != nil || len(s.Ranges()) != 1 {
		t.Fatalf("second fetch: %v, %d requests", err, len(s.Ranges()))
	}
	if _, err := os.Stat(p + ".part"); !os.IsNotExist(err) {
		t.Fatalf("a .part is left: %v", err)
	}
}

// A connection cut mid-body is resumed where it stopped (a Range request),
// and the file is whole.
func TestFetchResumesAfterCut(t *testing.T) {
	data := randomBytes(1<<20, 2)
	s, e, f := served(t, "w.pth", data)
	s.CutAfter = 300 << 10
	p, err := f.Fetch(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatalf("resumed file differs (%d bytes)", len(got))
	}
	r := s.Ranges()
	if len(r) != 2 || r[0] != "" || r[1] != "bytes=307200-" {
		t.Fatalf("requests' ranges %q", r)
	}
}

// A download interrupted for good keeps its .part; the next fetch goes on
// from it.
func TestFetchResumesInALaterRun(t *testing.T) {
	data := randomBytes(1<<20, 3)
	s, e, f := served(t, "w.pth", data)
	f.Attempts = 1
	s.CutAfter = 128 << 10
	if _, err := f.Fetch(context.Background(), e); err == nil || !strings.Contains(err.Error(), "interrupted after 131072 of 1048576 bytes") {
		t.Fatalf("cut download: %v", err)
	}
	if st, err := os.Stat(f.Path(e) + ".part"); err != nil || st.Size() != 128<<10 {
		t.Fatalf("part: %v", err)
	}
	if _, err := f.Fetch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if r := s.Ranges(); r[len(r)-1] != "bytes=131072-" {
		t.Fatalf("ranges %q", r)
	}
}

// A file that differs from its first download is refused and discarded,
// and so is one whose sha256 is not the prefix its name carries.
func TestFetchRefusesHashMismatch(t *testing.T) {
	s, e, f := served(t, "w.pth", randomBytes(4096, 4))
	p, err := f.Fetch(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	s.Files["w.pth"] = randomBytes(4096, 5) // the mirror now serves something else
	var he *HashError
	if _, err := f.Fetch(context.Background(), e); !errors.As(err, &he) || !strings.Contains(err.Error(), "first download") {
		t.Fatalf("changed file: %v", err)
	}
	for _, q := range []string{p, p + ".part"} {
		if _, err := os.Stat(q); !os.IsNotExist(err) {
			t.Fatalf("%s kept after a mismatch", q)
		}
	}
	// the cached copy edited in place is refused too
	s.Files["w.pth"] = randomBytes(4096, 4)
	if _, err := f.Fetch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	// the cached copy damaged in place is kept aside and fetched again
	os.WriteFile(p, []byte("edited"), 0o644)
	if _, err := f.Fetch(context.Background(), e); err != nil {
		t.Fatalf("damaged cache file: %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, s.Files["w.pth"]) {
		t.Fatal("the damaged file was not fetched again")
	}
	if got, _ := os.ReadFile(p + ".damaged"); string(got) != "edited" {
		t.Fatalf("the damaged copy was not kept aside: %q", got)
	}

	// a file put in the cache by hand is recorded at its first use
	os.Remove(p)
	os.WriteFile(p, []byte("fetched by hand"), 0o644)
	f.Dir = filepath.Dir(p)
	os.Remove(f.recordPath())
	if _, err := f.Fetch(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte("replaced"), 0o644)
	if _, err := f.Fetch(context.Background(), e); !errors.As(err, &he) {
		t.Fatalf("a hand-placed file replaced: %v", err)
	}

	_, e2, f2 := served(t, "mobilenet_v2-b0353104.pth", randomBytes(4096, 6))
	if _, err := f2.Fetch(context.Background(), e2); !errors.As(err, &he) || !strings.Contains(err.Error(), "its name says b0353104") {
		t.Fatalf("named hash: %v", err)
	}
}

// No server to reach: the message names the address to fetch by hand and
// the --init to use.
func TestFetchOfflineMessage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	t.Setenv(URLEnv, "http://"+addr)
	e, _ := Lookup("voc-mobilenetv2")
	f := &Fetcher{Dir: t.TempDir()}
	_, err = f.Fetch(context.Background(), e)
	var off *OfflineError
	if !errors.As(err, &off) {
		t.Fatalf("%T %v", err, err)
	}
	for _, want := range []string{"http://" + addr + "/yolov4_mobilenet_v2_voc.pth", "by hand", "--init FILE", f.Path(e)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	t.Setenv(URLEnv, "")
	if e.SourceURL() != "https://github.com/bubbliiiing/mobilenet-yolov4-lite-pytorch/releases/download/v1.0/yolov4_mobilenet_v2_voc.pth" {
		t.Fatal(e.SourceURL())
	}
}

// Two fetches of one file at once (the Train tab and "Try the VOC
// detector", or two terminals) download it once: both appending to one
// .part made a file of the wrong size, recorded as the right one.
func TestFetchOneDownloadAtATime(t *testing.T) {
	data := randomBytes(2<<20, 7)
	s, e, f := served(t, "w.pth", data)
	s.Pace = 15 * time.Millisecond // per 64 KiB: half a second, long enough to overlap
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			g := &Fetcher{Dir: f.Dir}
			_, err := g.Fetch(context.Background(), e)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(f.Path(e)); !bytes.Equal(got, data) {
		t.Fatalf("cached file has %d bytes, the server's %d", len(got), len(data))
	}
	if r := s.Ranges(); len(r) != 1 {
		t.Fatalf("%d requests, want one download", len(r))
	}
}
