package weights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Progress is told the bytes on disk so far and the file's size (0 when
// the server does not say).
type Progress func(done, total int64)

// Fetcher downloads catalog files into Dir.
type Fetcher struct {
	Dir      string
	Client   *http.Client // nil: http.DefaultClient
	Progress Progress     // nil: none
	// Attempts is how many times an interrupted download is resumed
	// before giving up (3 when 0).
	Attempts int
}

// DefaultDir is the user's cache folder for weights
// (os.UserCacheDir()/labelloop/weights: ~/.cache on Linux).
func DefaultDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for downloaded weights: %w", err)
	}
	return filepath.Join(c, "labelloop", "weights"), nil
}

// Path is where e is (or will be) in the cache.
func (f *Fetcher) Path(e Entry) string { return filepath.Join(f.Dir, e.File) }

// OfflineError is a download that could not reach its server: the
// message says which address to fetch by hand and how to start from the
// file then.
type OfflineError struct {
	URL, Path string
	Err       error
}

func (e *OfflineError) Error() string {
	return fmt.Sprintf("cannot download %s (%v). Without network: fetch that file by hand (a browser, curl -LO), then start from it with --init FILE (in the window: Start from → File), or put it at %s; %s may name a mirror",
		e.URL, e.Err, e.Path, URLEnv)
}

func (e *OfflineError) Unwrap() error { return e.Err }

// HashError is a file whose sha256 is not the one it must have.
type HashError struct {
	File, Got, Want, Why string
}

func (e *HashError) Error() string {
	return fmt.Sprintf("%s: sha256 %s, but %s %s; the download was discarded", e.File, e.Got, e.Why, e.Want)
}

// namedHash is the sha256 prefix torchvision (and d-li14's MobileNetV3)
// put in file names: mobilenet_v2-b0353104.pth.
var namedHash = regexp.MustCompile(`-([0-9a-f]{8,64})\.pth$`)

// Fetch makes sure e is in the cache and returns its path. A file already
// there is checked against the sha256 recorded when it was first fetched.
// A download goes to FILE.part and resumes from it (HTTP Range) after a
// cut connection, here and in a later Fetch; it is checked for its size,
// the hash prefix in its name, and the recorded hash, before it takes its
// name.
func (f *Fetcher) Fetch(ctx context.Context, e Entry) (string, error) {
	dest := f.Path(e)
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return "", err
	}
	// one download of a file at a time, across processes: two appending
	// to one .part made a file of the wrong size whose hash was recorded
	unlock, err := f.lock(ctx, dest)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(dest); err == nil {
		sum, err := fileSHA256(dest)
		if err != nil {
			return "", err
		}
		err = f.checkHash(e, sum)
		if err == nil {
			// a file put there by hand (the offline message says how)
			// is recorded from its first use on
			return dest, f.record(e.File, sum)
		}
		var he *HashError
		if !errors.As(err, &he) {
			return "", err
		}
		// damaged in the cache since (or a wrong file put there by hand):
		// kept aside, and fetched and checked again
		if err := os.Rename(dest, dest+".damaged"); err != nil {
			return "", fmt.Errorf("%w; and it could not be moved aside to fetch it again: %v", he, err)
		}
	}
	url := e.SourceURL()
	attempts := f.Attempts
	if attempts == 0 {
		attempts = 3
	}
	for range attempts {
		var progressed bool
		progressed, err = f.download(ctx, url, dest+".part")
		if err == nil || ctx.Err() != nil || !progressed {
			break
		}
	}
	if err != nil {
		var off *OfflineError
		if !errors.As(err, &off) && isNetwork(err) {
			err = &OfflineError{URL: url, Path: dest, Err: err}
		}
		return "", err
	}
	sum, err := fileSHA256(dest + ".part")
	if err != nil {
		return "", err
	}
	if err := f.checkHash(e, sum); err != nil {
		os.Remove(dest + ".part")
		return "", err
	}
	if err := os.Rename(dest+".part", dest); err != nil {
		return "", err
	}
	return dest, f.record(e.File, sum)
}

// lock waits (while ctx lets it) for dest's lock file and returns its
// release.
func (f *Fetcher) lock(ctx context.Context, dest string) (func(), error) {
	lf, err := os.OpenFile(dest+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := tryLock(lf)
		if err != nil {
			lf.Close()
			return nil, fmt.Errorf("%s: %w", lf.Name(), err)
		}
		if ok {
			return func() { lf.Close() }, nil // closing releases the lock
		}
		select {
		case <-ctx.Done():
			lf.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond): // another download of it is under way
		}
	}
}

// download appends to part from where it stops (a Range request) until
// the server's whole file is there; progressed says whether any byte
// came, so that a cut connection is tried again.
func (f *Fetcher) download(ctx context.Context, url, part string) (progressed bool, err error) {
	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	var total int64
	switch resp.StatusCode {
	case http.StatusPartialContent:
		total = contentRangeTotal(resp.Header.Get("Content-Range"))
		if start := contentRangeStart(resp.Header.Get("Content-Range")); start != have {
			return false, fmt.Errorf("%s: asked for bytes from %d, the server sent from %d", url, have, start)
		}
	case http.StatusOK: // no resume from this server: start again
		flags, have = os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0
		total = resp.ContentLength
	case http.StatusRequestedRangeNotSatisfiable: // the part is longer than the file: start again
		os.Remove(part)
		return true, fmt.Errorf("%s: the partial download %s did not fit the file", url, part)
	default:
		return false, fmt.Errorf("%s: HTTP %s", url, resp.Status)
	}
	if total < 0 {
		total = 0
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return false, err
	}
	defer out.Close()
	done := have
	var last time.Time
	report := func(force bool) {
		if f.Progress != nil && (force || time.Since(last) > 100*time.Millisecond) {
			last = time.Now()
			f.Progress(done, total)
		}
	}
	report(true)
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				return true, err
			}
			done += int64(n)
			progressed = true
			report(false)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			report(true)
			return progressed, fmt.Errorf("%s: interrupted after %d of %d bytes (fetch again to resume): %w", url, done, total, rerr)
		}
	}
	report(true)
	if total > 0 && done != total {
		return progressed, fmt.Errorf("%s: got %d bytes, the server announced %d", url, done, total)
	}
	return progressed, out.Close()
}

// contentRangeTotal reads "bytes 100-199/200" (0 for "*").
func contentRangeTotal(h string) int64 {
	i := strings.LastIndexByte(h, '/')
	if i < 0 {
		return 0
	}
	n, _ := strconv.ParseInt(h[i+1:], 10, 64)
	return n
}

func contentRangeStart(h string) int64 {
	h = strings.TrimPrefix(h, "bytes ")
	i := strings.IndexByte(h, '-')
	if i < 0 {
		return -1
	}
	n, err := strconv.ParseInt(h[:i], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// isNetwork is an error of reaching a server (no route, no name, refused,
// timed out), as opposed to what a server said.
func isNetwork(err error) bool {
	var ne net.Error
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &ne) || errors.As(err, &op) || errors.As(err, &dns)
}

// checkHash compares a file's sha256 with the prefix in its name and with
// what was recorded when it was first fetched.
func (f *Fetcher) checkHash(e Entry, sum string) error {
	if m := namedHash.FindStringSubmatch(e.File); m != nil && !strings.HasPrefix(sum, m[1]) {
		return &HashError{File: e.File, Got: sum, Want: m[1] + "…", Why: "its name says"}
	}
	rec, err := f.recorded()
	if err != nil {
		return err
	}
	if want, ok := rec[e.File]; ok && want != sum {
		return &HashError{File: e.File, Got: sum, Want: want, Why: "its first download (recorded in " + f.recordPath() + ") had"}
	}
	return nil
}

var recordMu sync.Mutex

func (f *Fetcher) recordPath() string { return filepath.Join(f.Dir, "sha256.json") }

func (f *Fetcher) recorded() (map[string]string, error) {
	rec := map[string]string{}
	b, err := os.ReadFile(f.recordPath())
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to record the hashes again)", f.recordPath(), err)
	}
	return rec, nil
}

// record keeps a file's sha256 from its first fetch on.
func (f *Fetcher) record(file, sum string) error {
	recordMu.Lock()
	defer recordMu.Unlock()
	rec, err := f.recorded()
	if err != nil {
		return err
	}
	if _, ok := rec[file]; ok {
		return nil
	}
	rec[file] = sum
	b, _ := json.MarshalIndent(rec, "", "  ")
	return atomicfile.WriteFile(f.recordPath(), append(b, '\n'), 0o644)
}

func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
