// Package inference runs exported detectors with ONNX Runtime: finding
// the library, sessions, pre- and post-processing.
package inference

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/labelloop/labelloop/detect"
	ort "github.com/yalue/onnxruntime_go"
)

// MinVersion is the oldest ONNX Runtime this build works with
// (onnxruntime_go v1.27 speaks its C API version 24).
const MinVersion = "1.24"

// LibEnv names an environment variable that points at the library.
const LibEnv = "LABELLOOP_ORT_LIB"

// LibName is the library's file name on this system.
func LibName() string {
	switch runtime.GOOS {
	case "windows":
		return "onnxruntime.dll"
	case "darwin":
		return "libonnxruntime.dylib"
	}
	return "libonnxruntime.so.1"
}

// LibraryPath finds ONNX Runtime: $LABELLOOP_ORT_LIB, next to the
// executable (or in its lib/ or ../lib/labelloop/ folder), the project's third_party folder
// (make setup puts it there), then the system's library folders.
func LibraryPath() (string, error) {
	if p := os.Getenv(LibEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", LibEnv, p, err)
		}
		return p, nil
	}
	var tried []string
	try := func(p string) bool {
		tried = append(tried, p)
		_, err := os.Stat(p)
		return err == nil
	}
	var starts []string
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		// beside it (the .deb, Windows, macOS), its lib/, or ../lib/labelloop
		// (the tarball's bin/ + lib/ layout)
		for _, p := range []string{filepath.Join(dir, LibName()), filepath.Join(dir, "lib", LibName()),
			filepath.Join(dir, "..", "lib", "labelloop", LibName())} {
			if try(p) {
				return p, nil
			}
		}
		starts = append(starts, dir)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	platform := map[string]string{"linux": "linux-x64", "windows": "win32-x64", "darwin": "darwin-arm64"}[runtime.GOOS]
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			matches, _ := filepath.Glob(filepath.Join(dir, "third_party", "onnxruntime-*", platform, "*onnxruntime*"))
			for _, m := range matches {
				if strings.HasSuffix(m, ".so.1") || strings.HasSuffix(m, ".dll") && strings.HasPrefix(filepath.Base(m), "onnxruntime") || strings.HasSuffix(m, ".dylib") {
					return m, nil
				}
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, d := range []string{"/usr/lib", "/usr/local/lib", "/usr/lib/x86_64-linux-gnu"} {
		if p := filepath.Join(d, LibName()); try(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("ONNX Runtime %s or newer (%s) not found; run 'make setup', or set %s to its path (looked in %s and third_party/)",
		MinVersion, LibName(), LibEnv, strings.Join(tried, ", "))
}

var (
	initOnce sync.Once
	initErr  error
	libPath  string
)

// Init loads ONNX Runtime once. An old or foreign library gets a message
// that names the file and the version needed.
func Init() error {
	initOnce.Do(func() {
		libPath, initErr = LibraryPath()
		if initErr != nil {
			return
		}
		ort.SetSharedLibraryPath(libPath)
		if err := ort.InitializeEnvironment(); err != nil {
			if strings.Contains(err.Error(), "ORT API base") {
				initErr = fmt.Errorf("%s is an ONNX Runtime older than %s (its C API lacks version 24); install %s or newer: %w", libPath, MinVersion, MinVersion, err)
			} else {
				initErr = fmt.Errorf("loading ONNX Runtime from %s: %w", libPath, err)
			}
			return
		}
		if v := ort.GetVersion(); !versionAtLeast(v, MinVersion) {
			initErr = fmt.Errorf("%s is ONNX Runtime %s; LabelLoop needs %s or newer", libPath, v, MinVersion)
		}
	})
	return initErr
}

func versionAtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(b); i++ {
		if i >= len(a) {
			return false
		}
		x, _ := strconv.Atoi(a[i])
		y, _ := strconv.Atoi(b[i])
		if x != y {
			return x > y
		}
	}
	return true
}

// Session is a loaded detector.
type Session struct {
	s       *ort.DynamicAdvancedSession
	outputs []string
	Device  string // "cpu", or "cuda"/"directml" when a GPU provider took it
	Note    string // why the GPU provider was not used, when it was tried
}

// Options tune a session.
type Options struct {
	Threads int // intra-op threads; 0: one per core (see newSessionNamed)
	// OptimizedPath, when set, is where ONNX Runtime writes the graph as
	// it runs it (after its fusions): tests check int8 kernels run.
	OptimizedPath string
}

// ErrNotONNX is returned for files that are not ONNX models.
var ErrNotONNX = errors.New("not an ONNX model")

// NewSession loads an ONNX model from memory with input "images" and the
// given outputs.
func NewSession(model []byte, outputs []string, opt Options) (*Session, error) {
	return newSessionNamed(model, "images", outputs, opt)
}

func newSessionNamed(model []byte, input string, outputs []string, opt Options) (*Session, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	// Not ONNX Runtime's default: it counts physical cores, and on a
	// two-vCPU machine took one, which made video 1.4x slower.
	if opt.Threads <= 0 {
		opt.Threads = runtime.NumCPU()
	}
	so.SetIntraOpNumThreads(opt.Threads)
	so.SetInterOpNumThreads(1)
	// Spinning threads burn the other process's CPU on shared machines.
	so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0")
	so.AddSessionConfigEntry("session.inter_op.allow_spinning", "0")
	if opt.OptimizedPath != "" {
		so.SetOptimizedModelFilePath(opt.OptimizedPath)
	}
	device, note := "cpu", ""
	if directMLPresent() {
		// DirectML (any DirectX 12 GPU on Windows) wants no memory
		// patterns and sequential execution.
		so.SetMemPattern(false)
		so.SetExecutionMode(ort.ExecutionModeSequential)
		if err := so.AppendExecutionProviderDirectML(0); err != nil {
			note = "DirectML found but not usable (" + err.Error() + "); running on the CPU"
		} else {
			device = "directml"
		}
	} else if cudaPresent() {
		if err := appendCUDA(so); err != nil {
			note = "CUDA provider found but not usable (" + err.Error() + "); running on the CPU"
		} else {
			device = "cuda"
		}
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(model, []string{input}, outputs, so)
	if err != nil {
		return nil, err
	}
	return &Session{s: s, outputs: outputs, Device: device, Note: note}, nil
}

// Close frees the session and reports ONNX Runtime's error in doing so.
func (s *Session) Close() error {
	if err := s.s.Destroy(); err != nil {
		return fmt.Errorf("closing the ONNX Runtime session: %w", err)
	}
	return nil
}

// Run runs an N×3×H×W float input.
func (s *Session) Run(x []float32, n, h, w int) ([]detect.Output, error) {
	in, err := ort.NewTensor(ort.NewShape(int64(n), 3, int64(h), int64(w)), x)
	if err != nil {
		return nil, err
	}
	defer in.Destroy()
	outs := make([]ort.Value, len(s.outputs))
	if err := s.s.Run([]ort.Value{in}, outs); err != nil {
		return nil, err
	}
	res := make([]detect.Output, len(outs))
	for i, v := range outs {
		t, ok := v.(*ort.Tensor[float32])
		if !ok {
			v.Destroy()
			return nil, fmt.Errorf("output %s is not float32", s.outputs[i])
		}
		res[i] = detect.Output{Shape: t.GetShape(), Data: append([]float32(nil), t.GetData()...)}
		v.Destroy()
	}
	return res, nil
}

// cudaPresent reports whether ONNX Runtime's CUDA provider library sits
// beside the loaded runtime (the CPU-only packages do not ship it).
func cudaPresent() bool { return cudaBeside(libPath) }

func cudaBeside(lib string) bool {
	if lib == "" || runtime.GOOS == "darwin" || os.Getenv(NoGPUEnv) == "1" {
		return false
	}
	name := "libonnxruntime_providers_cuda.so"
	if runtime.GOOS == "windows" {
		name = "onnxruntime_providers_cuda.dll"
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(lib), name))
	return err == nil
}

// GPUPresent reports, before ONNX Runtime is loaded, whether a model will
// be tried on a GPU (its provider library is beside the runtime).
func GPUPresent() bool {
	lib, err := LibraryPath()
	return err == nil && (cudaBeside(lib) || directMLBeside(lib))
}

// NoGPUEnv, set to 1, keeps inference on the CPU even when a GPU provider
// is there (a busy or unreliable GPU).
const NoGPUEnv = "LABELLOOP_NO_GPU"

// directMLPresent reports a Windows build with DirectML.dll beside the
// runtime (the installer bundles it).
func directMLPresent() bool { return directMLBeside(libPath) }

func directMLBeside(lib string) bool {
	if lib == "" || runtime.GOOS != "windows" || os.Getenv(NoGPUEnv) == "1" {
		return false
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(lib), "DirectML.dll"))
	return err == nil
}

func appendCUDA(so *ort.SessionOptions) error {
	opts, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer opts.Destroy()
	return so.AppendExecutionProviderCUDA(opts)
}
