// Package weightstest stands in for the hosts of the seed's weights in
// tests: it makes .pth files with the seed's names and shapes and serves
// them over HTTP, with Range requests, a connection cut on demand and a
// pace slow enough to watch.
package weightstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/pth"
)

// Detector is the .pth of a whole detector (the seed's state dict: names,
// shapes and order, which model's TestStateDictMatchesReference pins to
// the reference's key lists) for nc classes, filled with the reference's
// fixture formula (finite, BatchNorm variances positive).
func Detector(dir, backbone string, nc int) (string, error) {
	g, err := model.Build(model.Config{Backbone: backbone, NumClasses: nc, InputSize: 416})
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, fmt.Sprintf("detector_%s_%d.pth", backbone, nc))
	return p, pth.Write(p, g, model.FixtureWeights(g))
}

// Read is a file's bytes (for Server.Files).
func Read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return b
}

// Server serves Files by name (the last element of the path) and records
// each request's Range header.
type Server struct {
	*httptest.Server
	Files map[string][]byte
	// CutAfter, when above 0, makes the next response close its
	// connection after that many bytes of the body (once).
	CutAfter int64
	// Pace, when set, is the pause after each 64 KiB written.
	Pace time.Duration

	mu     sync.Mutex
	ranges []string
}

// NewServer starts a server for files.
func NewServer(files map[string][]byte) *Server {
	s := &Server{Files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Ranges are the Range headers of the requests so far ("" for none).
func (s *Server) Ranges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	data, ok := s.Files[name]
	cut := s.CutAfter
	s.CutAfter = 0
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	start := int64(0)
	if rg := r.Header.Get("Range"); rg != "" {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
		if err != nil || n >= int64(len(data)) {
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)-int(start)))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	}
	body := data[start:]
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		if cut > 0 && int64(n) > cut {
			n = int(cut)
		}
		w.Write(body[:n])
		body = body[n:]
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if cut > 0 {
			if cut -= int64(n); cut == 0 {
				panic(http.ErrAbortHandler) // the connection closes mid-body
			}
		}
		if s.Pace > 0 {
			time.Sleep(s.Pace)
		}
	}
}

// Backbone is the .pth of a bare ImageNet backbone as its publisher saves
// it: the detector's backbone.model.* tensors under their own names
// (features.0.0.weight, or stage1.0.0.weight for V1), classifier included.
func Backbone(dir, backbone string) (path string, tensors int, err error) {
	g, err := model.Build(model.Config{Backbone: backbone, NumClasses: 1, InputSize: 416})
	if err != nil {
		return "", 0, err
	}
	w := model.FixtureWeights(g)
	sub := &model.Graph{Config: g.Config}
	for _, p := range g.Params {
		if name, ok := strings.CutPrefix(p.Name, "backbone.model."); ok {
			p.Name = name
			sub.Params = append(sub.Params, p)
			w[name] = w["backbone.model."+name]
		}
	}
	path = filepath.Join(dir, "backbone_"+backbone+".pth")
	return path, len(sub.Params), pth.Write(path, sub, w)
}
