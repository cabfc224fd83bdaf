package training

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/model/pth"
	"github.com/labelloop/labelloop/model/pth/pthtest"
)

// A torchvision-style backbone file (no prefix) lands under
// backbone.model. with its values; the head starts fresh.
func TestImportPthBackbone(t *testing.T) {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 416})
	imp, err := ImportPth("testdata/tv_part.pth", g, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if !imp.Prefixed || imp.Loaded != 6 || len(imp.Ignored) != 1 || imp.Ignored[0] != "backbone.model.extra.weight" {
		t.Fatalf("prefixed %v, loaded %d, ignored %v", imp.Prefixed, imp.Loaded, imp.Ignored)
	}
	w := imp.Weights["backbone.model.features.0.0.weight"]
	if len(w) != 32*27 || math.Abs(float64(w[100])-0.1) > 1e-6 {
		t.Fatalf("features.0.0.weight[100] = %v", w[100])
	}
	if v := imp.Weights["backbone.model.features.0.1.running_var"][3]; math.Abs(float64(v)-1.003) > 1e-6 {
		t.Fatalf("running_var[3] = %v", v)
	}
	if len(imp.Fresh) == 0 || imp.Weights["yolo_head3.1.weight"] == nil {
		t.Fatal("the head should start fresh")
	}
}

// A head made for 20 classes is refused with the first mismatched name
// and a hint; with only the backbone asked for, it is ignored.
func TestImportPthMismatch(t *testing.T) {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 416})
	_, err := ImportPth("testdata/head20.pth", g, 0, "")
	if err == nil || !strings.Contains(err.Error(), "yolo_head3.1.weight has shape [75 256 1 1] in the file but [24 256 1 1]") ||
		!strings.Contains(err.Error(), "--backbone-only") {
		t.Fatalf("err %v", err)
	}
	imp, err := ImportPth("testdata/head20.pth", g, 0, "backbone.")
	if err != nil || imp.Loaded != 0 || len(imp.Ignored) != 2 {
		t.Fatalf("backbone only: %v %+v", err, imp)
	}
	g1, _ := model.Build(model.Config{Backbone: model.MobileNetV1, NumClasses: 3, InputSize: 416})
	if _, err := ImportPth("testdata/tv_part.pth", g1, 0, ""); err == nil {
		t.Fatal("a V2 file imported into a V1 network")
	}
	bad := filepath.Join(t.TempDir(), "x.pth")
	os.WriteFile(bad, []byte("not a pickle"), 0o644)
	if _, err := ImportPth(bad, g, 0, ""); err == nil || !strings.Contains(err.Error(), "x.pth: not a file torch.save writes") {
		t.Fatalf("err %v", err)
	}
}

// The files gotch's reader fell over on: a 0-byte .pth (it looped for
// ever), int keys and None values (panics), the legacy tar format
// ("not implemented" panic). Each is now an error naming the file and
// what is wrong, or, for the tar format, read; float16 weights are taken
// and reported as converted; NaN weights are refused by name.
func TestImportPthHostileFiles(t *testing.T) {
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 3, InputSize: 416})
	dir := t.TempDir()
	tv, err := pth.Read("testdata/tv_part.pth")
	if err != nil {
		t.Fatal(err)
	}
	as := func(dtype string, nan bool) []pthtest.Tensor {
		var ts []pthtest.Tensor
		for _, name := range tv.Names {
			x := tv.Tensors[name]
			v := make([]float64, len(x.Data))
			for i, f := range x.Data {
				v[i] = float64(f)
			}
			d := dtype
			if x.Dtype != "float32" {
				d = x.Dtype
			}
			if nan && name == "features.0.0.weight" {
				v[7] = math.NaN()
			}
			ts = append(ts, pthtest.Tensor{Name: name, Dtype: d, Shape: x.Shape, Values: v})
		}
		return ts
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	rebuild := pthtest.Reduce{pthtest.Global{"torch._utils", "_rebuild_tensor_v2"},
		pthtest.Tuple{pthtest.PersID{pthtest.Tuple{"storage", pthtest.Global{"torch", "FloatStorage"}, "0", "cpu", 1}}, 0, pthtest.Tuple{1}, pthtest.Tuple{1}, false, pthtest.OrderedDict{}}}
	one := []pthtest.Tensor{{Name: "x", Shape: []int{1}, Values: []float64{1}}}
	for _, c := range []struct{ name, want string }{
		{write("empty.pth", nil), "empty.pth: empty file"},
		{write("intkeys.pth", pthtest.Zip(one, pthtest.Encode(pthtest.OrderedDict{{3, rebuild}}))), "key 1 is the int 3"},
		{write("none.pth", pthtest.Zip(one, pthtest.Encode(pthtest.OrderedDict{{"features.0.0.weight", nil}}))), `"features.0.0.weight" is None, not a tensor`},
		{write("nan.pth", pthtest.Tar(as("float32", true))), "nan.pth: backbone.model.features.0.0.weight: value 7 is NaN"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := ImportPth(c.name, g, 0, "")
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", c.name, err, c.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: ImportPth did not return", c.name)
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"tar.pth", pthtest.Tar(as("float32", false))}, {"legacy.pth", pthtest.Legacy(as("float32", false), nil)}, {"half.pth", pthtest.Zip(as("float16", false), nil)}} {
		imp, err := ImportPth(write(f.name, f.data), g, 0, "")
		if err != nil || !imp.Prefixed || imp.Loaded != 6 {
			t.Fatalf("%s: %v %+v", f.name, err, imp)
		}
		w := imp.Weights["backbone.model.features.0.0.weight"]
		if math.Abs(float64(w[100])-0.1) > 1e-3 {
			t.Fatalf("%s: features.0.0.weight[100] = %v", f.name, w[100])
		}
		if conv := imp.ConvertedNote(); (f.name == "half.pth") != strings.Contains(conv, "float16") {
			t.Fatalf("%s: %q", f.name, conv)
		}
	}
}

// The whole network saved by PyTorch imports and computes what PyTorch
// computes. Needs Debian's python3-torch (make bench-deps).
func TestImportPthWholeNetwork(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		t.Skip("no PyTorch (make bench-deps installs Debian's python3-torch)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	const size = 96
	for _, bb := range model.Backbones {
		pth, out := filepath.Join(dir, bb+".pth"), filepath.Join(dir, bb+".bin")
		script := `import sys, torch
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody
torch.manual_seed(0)
net = YoloBody(sys.argv[1], 4)
for m in net.modules():  # non-trivial BatchNorm statistics
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5)
net.eval()
torch.save(net.state_dict(), sys.argv[2])
x = torch.full((1, 3, 96, 96), 0.5)
with torch.no_grad():
    outs = net(x)
open(sys.argv[3], "wb").write(b"".join(o.numpy().astype("<f4").tobytes() for o in outs))`
		cmd := exec.Command("/usr/bin/python3", "-c", script, bb, pth, out)
		cmd.Dir = ".."
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", bb, err, b)
		}
		g, _ := model.Build(model.Config{Backbone: bb, NumClasses: 4, InputSize: size})
		imp, err := ImportPth(pth, g, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(imp.Fresh) != 0 || len(imp.Ignored) != 0 {
			t.Fatalf("%s: fresh %v ignored %v", bb, imp.Fresh, imp.Ignored)
		}
		want, err := model.ReadFloat32s(out)
		if err != nil {
			t.Fatal(err)
		}
		net, err := NewNet(g, imp.Weights, gotch.CPU)
		if err != nil {
			t.Fatal(err)
		}
		x := ts.MustOnes([]int64{1, 3, size, size}, gotch.Float, gotch.CPU).MustMulScalar(ts.FloatScalar(0.5), true)
		var got []float32
		ts.NoGrad(func() {
			for _, o := range net.Forward(x, false) {
				got = append(got, o.Vals().([]float32)...)
				o.MustDrop()
			}
		})
		x.MustDrop()
		net.Free()
		var worst float64
		for i := range want {
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		}
		t.Logf("%s: %d tensors imported, max abs difference from PyTorch %.2g", bb, imp.Loaded, worst)
		if len(got) != len(want) || worst > 1e-4 {
			t.Fatalf("%s: %d values vs %d, max diff %g", bb, len(got), len(want), worst)
		}
	}
}
