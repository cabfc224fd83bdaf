package pth

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/model"
)

// What Write saves (export-pth) is a state dict torch.load takes and the
// seed's YoloBody loads with strict=True, the values intact: the way to
// continue a run on a cluster with the seed's trainer. Part of make bench
// (Debian's python3-torch); scripts/torch_yolo.py is the seed's network.
func TestBenchTorchLoadsExport(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("make bench runs it (LABELLOOP_BENCH=1)")
	}
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		t.Fatal("no PyTorch: make bench-deps installs Debian's python3-torch")
	}
	const script = `import sys, math, torch
sys.path.insert(0, sys.argv[1])
from torch_yolo import YoloBody
for bb, path in zip(sys.argv[2::2], sys.argv[3::2]):
    sd = torch.load(path, weights_only=True)
    net = YoloBody(bb, 3)
    net.load_state_dict(sd, strict=True)
    k = 0
    for name, v in sd.items():
        if name.endswith("num_batches_tracked"):
            assert v.dtype == torch.int64 and v.dim() == 0, name
            continue
        # the fixture formula's first element of each tensor
        s = math.sin(1.2345 * k)
        first = v.flatten()[0].item()
        want = {"running_var": 1 + 0.25 * abs(s), "running_mean": 0.1 * s}.get(name.rsplit(".", 1)[1])
        if want is not None:
            assert abs(first - want) < 1e-6, (name, first, want)
        k += 1
    print(bb, len(sd), "tensors loaded strictly")
`
	dir := t.TempDir()
	args := []string{"-c", script, "../../scripts"}
	for _, bb := range model.Backbones {
		g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 3, InputSize: 416})
		p := filepath.Join(dir, bb+".pth")
		if err := Write(p, g, model.FixtureWeights(g)); err != nil {
			t.Fatal(err)
		}
		args = append(args, bb, p)
	}
	out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("torch.load + load_state_dict(strict=True): %s", strings.TrimSpace(string(out)))
	if strings.Count(string(out), "loaded strictly") != len(model.Backbones) {
		t.Fatal(string(out))
	}
}
