package layering

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// bars: what each set of packages must not depend on, directly or through
// anything it imports (`go list -deps`).
var bars = []struct {
	pkgs   string
	banned []string
	why    string
}{
	{"./training/...", []string{"github.com/yalue/onnxruntime_go", "github.com/labelloop/labelloop/inference", "github.com/labelloop/labelloop/video", "fyne.io/fyne/v2"},
		"training shares decoding, NMS and mAP with inference through detect, not ONNX Runtime or ffmpeg"},
	{"./model/...", []string{"github.com/labelloop/labelloop/voc", "github.com/yalue/onnxruntime_go", "github.com/sugarme/gotch"},
		"the model writes its files through internal/atomicfile, not the dataset package"},
	{"./detect/...", []string{"github.com/yalue/onnxruntime_go", "github.com/sugarme/gotch", "github.com/labelloop/labelloop/video", "os/exec", "fyne.io/fyne/v2"},
		"detect is the pure arithmetic both runtimes share"},
	{"./training/protocol/...", []string{"os/exec", "github.com/sugarme/gotch"},
		"the wire types are read by the app without starting or linking anything"},
	{"./inference/... ./video/... ./voc/... ./annotate/... ./internal/... ./app/cli/...", []string{"github.com/sugarme/gotch", "fyne.io/fyne/v2"},
		"libtorch stays in the worker, Fyne in ui and app"},
	{". ./app/... ./ui/...", []string{"github.com/sugarme/gotch"},
		"the app starts the training worker as a process; only cmd/labelloop-train links libtorch"},
	{"./app ./ui/...", []string{"github.com/labelloop/labelloop/app/cli"},
		"the window calls the use cases (usecase), not the command-line package"},
	{"./usecase/...", []string{"fyne.io/fyne/v2", "github.com/labelloop/labelloop/app/cli", "github.com/labelloop/labelloop/ui", "github.com/sugarme/gotch"},
		"the use cases are shared by the window and the commands, and know neither"},
}

func TestDependencyBars(t *testing.T) {
	goExe, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	for _, b := range bars {
		cmd := exec.Command(goExe, append([]string{"list", "-deps"}, strings.Fields(b.pkgs)...)...)
		cmd.Dir = "../.." // the module root
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v %s", b.pkgs, err, msg)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed only %v", b.pkgs, deps)
		}
		for _, ban := range b.banned {
			for _, d := range deps {
				if d == ban || strings.HasPrefix(d, ban+"/") {
					t.Errorf("%s depends on %s (%s): %s", b.pkgs, d, b.why, who(goExe, b.pkgs, d))
					break
				}
			}
		}
	}
}

// who names the packages of pkgs that import dep directly, to say where a
// broken bar was broken.
func who(goExe, pkgs, dep string) string {
	cmd := exec.Command(goExe, append([]string{"list", "-deps", "-f", `{{.ImportPath}}: {{join .Imports " "}}`}, strings.Fields(pkgs)...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	var by []string
	for _, line := range strings.Split(string(out), "\n") {
		p, imports, ok := strings.Cut(line, ": ")
		if ok && strings.HasPrefix(p, "github.com/labelloop/") && slices.Contains(strings.Fields(imports), dep) {
			by = append(by, p)
		}
	}
	return "imported by " + strings.Join(by, ", ")
}
