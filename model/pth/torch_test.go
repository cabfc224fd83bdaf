package pth

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pt "github.com/labelloop/labelloop/model/pth/pthtest"
)

// dumpScript loads each file given with torch.load(weights_only=True) and
// prints its tensors as JSON; with "save DIR" first, it saves the sample
// state dict, and a real module's (with _metadata), in the zip and legacy
// formats into DIR.
const dumpScript = `import sys, json, collections, torch
def dump(sd):
    return {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "data": [float(x) for x in v.float().flatten().tolist()]} for k, v in sd.items()}
if sys.argv[1] == "save":
    d = sys.argv[2]
    base = torch.arange(8, dtype=torch.float32)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.nn.Parameter((torch.arange(6, dtype=torch.float32) - 2.5).view(2, 3, 1, 1))
    sd["bn.running_var"] = torch.tensor([1, 0.5, 65504], dtype=torch.float16)
    sd["bn.running_mean"] = torch.tensor([0.1, -0.2, 1e-3], dtype=torch.float64)
    sd["bn.weight"] = torch.tensor([1.5, -2], dtype=torch.bfloat16)
    sd["bn.num_batches_tracked"] = torch.tensor(12345)
    sd["fc.weight"] = base[:6].view(2, 3)
    sd["fc.weight_t"] = torch.as_strided(base, (3, 2), (1, 3), 2)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(5, 2))
    for name, obj in (("sample", sd), ("module", net.state_dict())):
        torch.save(obj, d + "/" + name + "_zip.pth")
        torch.save(obj, d + "/" + name + "_legacy.pth", _use_new_zipfile_serialization=False)
        json.dump(dump(obj), open(d + "/" + name + ".json", "w"))
else:
    print(json.dumps({f: dump(torch.load(f, weights_only=True)) for f in sys.argv[1:]}))
`

type dumped map[string]struct {
	Dtype string    `json:"dtype"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// PyTorch and this reader agree both ways: files torch.save writes (zip
// and legacy, every dtype, a Parameter, a view sharing a storage, a real
// module's state dict with its _metadata) read as torch reads them, and
// the files pthtest writes (zip, legacy, tar) load in torch.load(
// weights_only=True) with the values Read gives. Needs Debian's
// python3-torch (make bench-deps); skipped without it.
func TestTorchAgrees(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		t.Skip("no PyTorch (make bench-deps installs Debian's python3-torch)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("/usr/bin/python3", "-c", dumpScript, "save", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	same := func(label string, got *StateDict, want dumped) {
		t.Helper()
		if len(got.Names) != len(want) {
			t.Fatalf("%s: %d tensors, torch has %d", label, len(got.Names), len(want))
		}
		for name, w := range want {
			g := got.Tensors[name]
			if g.Dtype != w.Dtype || !equalInts(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
				t.Fatalf("%s: %s is %s %v (%d values), torch has %s %v (%d)", label, name, g.Dtype, g.Shape, len(g.Data), w.Dtype, w.Shape, len(w.Data))
			}
			for i := range w.Data {
				if float64(g.Data[i]) != w.Data[i] && !(math.IsNaN(w.Data[i]) && g.Data[i] != g.Data[i]) {
					t.Fatalf("%s: %s[%d] = %v, torch has %v", label, name, i, g.Data[i], w.Data[i])
				}
			}
		}
	}
	for _, name := range []string{"sample", "module"} {
		var w dumped
		b, _ := os.ReadFile(filepath.Join(dir, name+".json"))
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"zip", "legacy"} {
			sd, err := Read(filepath.Join(dir, name+"_"+format+".pth"))
			if err != nil {
				t.Fatal(err)
			}
			if sd.Format != format {
				t.Fatalf("%s_%s read as %s", name, format, sd.Format)
			}
			same("torch's "+name+"_"+format, sd, w)
		}
	}
	// the other way: our writer's files in torch
	files := map[string][]byte{"zip": pt.Zip(sample(), nil), "legacy": pt.Legacy(sample(), nil), "tar": pt.Tar(sample())}
	var args []string
	for format, data := range files {
		p := filepath.Join(dir, "go_"+format+".pth")
		os.WriteFile(p, data, 0o644)
		args = append(args, p)
	}
	out, err := exec.Command("/usr/bin/python3", append([]string{"-c", dumpScript}, args...)...).Output()
	if err != nil {
		t.Fatalf("torch.load of pthtest's files: %v", err)
	}
	var loaded map[string]dumped
	if err := json.Unmarshal(out, &loaded); err != nil {
		t.Fatal(err)
	}
	for _, p := range args {
		sd, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		same("pthtest's "+strings.TrimSuffix(filepath.Base(p), ".pth")+" in torch", sd, loaded[p])
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
