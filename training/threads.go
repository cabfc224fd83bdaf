package training

// #cgo CXXFLAGS: -std=c++14
// #cgo LDFLAGS: -lstdc++ -ltorch_cpu -lc10
// void labelloop_set_num_threads(int n);
// int labelloop_get_num_threads();
// void labelloop_manual_seed(unsigned long long seed);
import "C"

import "runtime"

// Debian's libtorch starts with one thread, and with one its convolutions
// take other code paths that are 10x slower per step than with two (for
// PyTorch too: 690 against 46 ms for a forward pass at 96 px), so even a
// one-core machine gets two.
func init() { SetThreads(max(2, runtime.NumCPU())) }

// SetThreads sets libtorch's intra-op threads. Debian's build starts with
// one, and its single-threaded convolutions are several times slower per
// core than its multi-threaded ones.
func SetThreads(n int) { C.labelloop_set_num_threads(C.int(n)) }

// Threads is libtorch's intra-op thread count.
func Threads() int { return int(C.labelloop_get_num_threads()) }

// ManualSeed seeds libtorch's generators (dropout, random init).
func ManualSeed(seed uint64) { C.labelloop_manual_seed(C.ulonglong(seed)) }
