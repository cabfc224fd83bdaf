package training

import (
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

// TestBenchTrainStep is `make bench`'s training figure: forward + backward
// + Adam step at batch 4, 416×416, MobileNetV2, against the same network
// in PyTorch eager with the same threads.
func TestBenchTrainStep(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const size, batch, iters = 416, 4, 6
	threads := runtime.NumCPU()
	SetThreads(threads)
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV2, NumClasses: 20, InputSize: size})
	net, vs, err := NewTrainable(g, model.InitWeights(g, 0), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	opt, _ := nn.NewAdamConfig(0.937, 0.999, 0).Build(vs, 1e-3)
	x := ts.MustRand([]int64{batch, 3, size, size}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	var ours []time.Duration
	for i := 0; i < iters+2; i++ {
		t0 := time.Now()
		var s scope
		outs := net.Forward(x, true)
		loss := s.keep(ts.MustZeros([]int64{1}, gotch.Float, gotch.CPU))
		for _, o := range outs {
			s.keep(o)
			loss = s.keep(loss.MustAdd(s.keep(o.MustMean(gotch.Float, false)), false))
		}
		if err := opt.BackwardStep(loss); err != nil {
			t.Fatal(err)
		}
		s.free()
		if i >= 2 {
			ours = append(ours, time.Since(t0))
		}
	}
	slices.Sort(ours)
	cmd := exec.Command("/usr/bin/python3", "scripts/bench_torch_train.py", model.MobileNetV2, "416", "4", strconv.Itoa(threads), strconv.Itoa(iters))
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pytorch baseline: %v", err)
	}
	var py struct{ MS float64 }
	json.Unmarshal(out, &py)
	m := float64(ours[len(ours)/2]) / float64(time.Millisecond)
	t.Logf("forward+backward+Adam, batch 4, 416x416, MobileNetV2, %d threads: labelloop %.0f ms/iter, PyTorch %.0f ms/iter, ratio %.2f (bar <= 1.05)",
		threads, m, py.MS, m/py.MS)
}
