package training

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/labelloop/labelloop/model"
)

var benchSize, benchBatch, benchIters = envInt("LABELLOOP_BENCH_SIZE", 416), envInt("LABELLOOP_BENCH_BATCH", 4), 12

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestBenchTrainStep is `make bench`'s training figure: forward + backward
// + Adam step at batch 4, 416×416, for each backbone, against the same
// network in PyTorch eager with the same threads. Both sides are child
// processes driven in lock step, one step each in turn, so that a noisy
// neighbour slows both alike; the figure is the median of the per-pair
// ratios. Peak RSS of the two processes is compared too.
func TestBenchTrainStep(t *testing.T) {
	if os.Getenv("LABELLOOP_BENCH") == "" {
		t.Skip("set LABELLOOP_BENCH=1 (make bench)")
	}
	threads := strconv.Itoa(runtime.NumCPU())
	for _, bb := range model.Backbones {
		ours := exec.Command(os.Args[0], "-test.run", "^TestBenchTrainChild$")
		ours.Env = append(os.Environ(), "LABELLOOP_BENCH_CHILD="+bb, "OMP_WAIT_POLICY=passive") // as the worker runs
		py := exec.Command("/usr/bin/python3", "scripts/bench_torch_train.py", bb, strconv.Itoa(benchSize), strconv.Itoa(benchBatch), threads)
		py.Dir = ".."
		py.Env = append(os.Environ(), "OMP_WAIT_POLICY=passive") // the same, so neither spins while the other steps
		a, b := startStepper(t, ours), startStepper(t, py)
		var ra, rb, ratios []float64
		for range benchIters {
			x, y := a.step(t), b.step(t)
			ra, rb, ratios = append(ra, x), append(rb, y), append(ratios, x/y)
		}
		rssA, rssB := a.stop(t), b.stop(t)
		t.Logf("%s, forward+backward+Adam, batch %d, %dx%d, %s threads: labelloop %.0f ms/iter, PyTorch %.0f ms/iter (medians of %d), median paired ratio %.2f (bar <= 1.05); peak RSS %.0f MB vs %.0f MB, ratio %.2f (bar <= 1.2)",
			bb, benchBatch, benchSize, benchSize, threads, median(ra), median(rb), benchIters, median(ratios), rssA, rssB, rssA/rssB)
		if r := median(ratios); r > 1.05 {
			t.Errorf("%s: a training step takes %.2fx PyTorch's, bar is 1.05x", bb, r)
		}
		if r := rssA / rssB; r > 1.2 {
			t.Errorf("%s: peak RSS %.2fx PyTorch's, bar is 1.2x", bb, r)
		}
	}
}

// stepper is a benchmark child: it says "ready", then runs one step per
// line on its stdin and prints the milliseconds it took.
type stepper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startStepper(t *testing.T, cmd *exec.Cmd) *stepper {
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Args, err)
	}
	s := &stepper{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	for s.out.Scan() {
		if strings.TrimSpace(s.out.Text()) == "ready" {
			return s
		}
	}
	t.Fatalf("%s never said ready", cmd.Args)
	return nil
}

func (s *stepper) step(t *testing.T) float64 {
	fmt.Fprintln(s.in, "go")
	for s.out.Scan() {
		if v, err := strconv.ParseFloat(strings.TrimSpace(s.out.Text()), 64); err == nil {
			return v
		}
	}
	t.Fatalf("%s stopped", s.cmd.Args)
	return 0
}

// stop ends the child and returns its peak RSS in MB.
func (s *stepper) stop(t *testing.T) float64 {
	s.in.Close()
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("%s: %v", s.cmd.Args, err)
	}
	return float64(s.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
}

// TestBenchTrainChild is our side of the comparison, in its own process.
func TestBenchTrainChild(t *testing.T) {
	bb := os.Getenv("LABELLOOP_BENCH_CHILD")
	if bb == "" {
		t.Skip("run by TestBenchTrainStep")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetThreads(runtime.NumCPU())
	g, err := model.Build(model.Config{Backbone: bb, NumClasses: 20, InputSize: benchSize})
	if err != nil {
		t.Fatal(err)
	}
	net, err := NewTrainable(g, model.InitWeights(g, 0), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	opt, _ := NewOptimizer(net, "adam", 1e-3, 0)
	defer opt.Free()
	x := ts.MustRand([]int64{int64(benchBatch), 3, int64(benchSize), int64(benchSize)}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	step := func() float64 {
		t0 := time.Now()
		var s scope
		if _, err := opt.BackwardStep(headsMean(&s, net.Forward(x, true))); err != nil {
			t.Fatal(err)
		}
		s.free()
		return float64(time.Since(t0)) / float64(time.Millisecond)
	}
	step()
	step()
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Printf("%.3f\n", step())
	}
}

// headsMean is the sum of the three heads' means: a loss that exercises
// the whole network without the detector's loss (benchmarks, optimizer
// tests).
func headsMean(s *scope, outs [3]*ts.Tensor) *ts.Tensor {
	loss := s.keep(ts.MustZeros([]int64{1}, gotch.Float, gotch.CPU))
	for _, o := range outs {
		s.keep(o)
		loss = s.keep(loss.MustAdd(s.keep(o.MustMean(gotch.Float, false)), false))
	}
	return loss
}
