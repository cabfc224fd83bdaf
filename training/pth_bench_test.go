package training

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sugarme/gotch/pickle"

	"github.com/labelloop/labelloop/model/pth"
)

// TestBenchPthRead is `make bench`'s figure for .pth weights: the
// reference's MobileNetV2 detector (20 classes, 620 tensors, 12.2 million
// values) saved by PyTorch in the zip and the legacy formats, read by
// model/pth and by gotch's pickle package (which ImportPth used before),
// in turns, three rounds.
func TestBenchPthRead(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	dir := t.TempDir()
	script := `import sys, torch
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody
sd = YoloBody("mobilenetv2", 20).state_dict()
torch.save(sd, sys.argv[1])
torch.save(sd, sys.argv[2], _use_new_zipfile_serialization=False)`
	zipped, legacy := filepath.Join(dir, "zip.pth"), filepath.Join(dir, "legacy.pth")
	cmd := exec.Command("/usr/bin/python3", "-c", script, zipped, legacy)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("no PyTorch to write the files (make bench-deps): %v\n%s", err, out)
	}
	for _, f := range []string{zipped, legacy} {
		for round := 0; round < 3; round++ {
			runtime.GC()
			t0 := time.Now()
			sd, err := pth.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			ours := time.Since(t0)
			runtime.GC()
			t0 = time.Now()
			raw, err := pickle.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range raw { // the values, as ImportPth took them
				x.Float64Values(true)
			}
			gotch := time.Since(t0)
			t.Logf("%s, round %d: model/pth %v, gotch's pickle %v (%d tensors; %.1fx)", filepath.Base(f), round+1,
				ours.Round(time.Millisecond), gotch.Round(time.Millisecond), len(sd.Names), gotch.Seconds()/ours.Seconds())
		}
	}
}
