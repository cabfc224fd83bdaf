package voc

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// saveLoopEnv makes the test binary a child that saves two versions of an
// annotation in a tight loop until it is killed.
const saveLoopEnv = "LABELLOOP_TEST_SAVE_LOOP"

func bigAnnotation(name string, n int) []byte {
	a := NewAnnotation("/data/"+name+".jpg", 4000, 3000, 3)
	for i := 0; i < n; i++ {
		a.Objects = append(a.Objects, Object{Name: name, Box: Box{Xmin: float64(i), Ymin: 1, Xmax: float64(i + 10), Ymax: 20}})
	}
	data, _ := a.Marshal()
	return data
}

func TestMain(m *testing.M) {
	if path := os.Getenv(saveLoopEnv); path != "" {
		versions := [][]byte{bigAnnotation("alpha", 3000), bigAnnotation("beta", 2000)}
		for i := 0; ; i++ {
			a, _ := ParseAnnotation(versions[i%2])
			if err := SaveAnnotation(path, a); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			fmt.Println("saved", i) // the parent times the cycle and picks when to kill
		}
	}
	os.Exit(m.Run())
}

// Killing the program in the middle of a save leaves the previous file or
// the new one, whole, never a torn or empty one.
func TestKillDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "a.xml")
	alpha, beta := bigAnnotation("alpha", 3000), bigAnnotation("beta", 2000)
	os.WriteFile(path, alpha, 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// make soak runs 1,000 (LABELLOOP_SOAK_SAVES)
	trials := 16
	if n, err := strconv.Atoi(os.Getenv("LABELLOOP_SOAK_SAVES")); err == nil && n > 0 {
		trials = n
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]int{}
	t0 := time.Now()
	for k := 0; k < trials; k++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), saveLoopEnv+"="+path)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of saves, at a random point of the next
		// one: timed from the child's own cycle, so a slow machine (or the
		// race detector) still gets kills in both halves of the loop.
		r := bufio.NewReader(out)
		saves := 2 + rng.IntN(4)
		var t0, t1 time.Time
		for i := 0; i < saves; i++ {
			if _, err := r.ReadString('\n'); err != nil {
				t.Fatalf("child: %v", err)
			}
			t0, t1 = t1, time.Now()
		}
		cycle := t1.Sub(t0)
		time.Sleep(time.Duration(rng.Int64N(int64(2*cycle) + 1)))
		cmd.Process.Kill()
		cmd.Wait()
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case bytes.Equal(got, alpha):
			seen["alpha"]++
		case bytes.Equal(got, beta):
			seen["beta"]++
		default:
			t.Fatalf("kill %d left a file that is neither version (%d bytes)", k, len(got))
		}
		if _, err := ParseAnnotation(got); err != nil {
			t.Fatal(err)
		}
	}
	temps, _ := filepath.Glob(filepath.Join(dir, ".a.xml.tmp-*"))
	t.Logf("after %d kills mid-loop in %v: %v whole, 0 torn; %d temporary files left by the kills", trials, time.Since(t0).Round(time.Second), seen, len(temps))
	if seen["alpha"] == 0 || seen["beta"] == 0 {
		t.Fatalf("kills did not land at varied points of the save loop: %v", seen)
	}
}
