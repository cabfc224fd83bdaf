package training

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/voc"
)

// rssKB is the process's resident set now.
func rssKB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// Memory stays flat over 200 training steps with the real loss: a tensor
// left behind per step (an activation is hundreds of kB here) would show.
func TestMemoryFlatOver200Steps(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	root := filepath.Join(t.TempDir(), "d")
	o := synth.Default(4)
	o.Width, o.Height, o.MinSize, o.MaxSize = 96, 96, 16, 48
	synth.Generate(root, o)
	ds, _ := voc.Open(root)
	samples, err := LoadSplit(ds, []string{"shapes-00000", "shapes-00001", "shapes-00002", "shapes-00003"}, synth.Classes, 4)
	if err != nil {
		t.Fatal(err)
	}
	const size = 96
	x, tgt := loadBatch(t, samples, size)
	defer x.MustDrop()
	g, _ := model.Build(model.Config{Backbone: model.MobileNetV3, NumClasses: len(synth.Classes), InputSize: size})
	net, err := NewTrainable(g, model.InitWeights(g, 1), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	opt, _ := NewOptimizer(net, "adam", 1e-3, 0)
	defer opt.Free()
	anchors := model.AnchorsFor(size)
	var rss20 int
	var heap20 int64
	for i := 1; i <= 200; i++ {
		if _, err := Step(net, opt, x, tgt, anchors, LossOptions{}); err != nil {
			t.Fatal(err)
		}
		if i == 20 {
			rss20, heap20 = rssKB(t), heapInUse()
		}
	}
	heap := heapInUse() - heap20
	t.Logf("after 20 steps: RSS %d kB, malloc in use %d kB; over the next 180 steps: RSS %+d kB, malloc in use %+d B (%+.0f B per step)",
		rss20, heap20>>10, rssKB(t)-rss20, heap, float64(heap)/180)
	if heap > 180*256 {
		t.Errorf("malloc'd memory grew by %d B over 180 steps", heap)
	}
}
