package training

// void labelloop_tune_malloc(void);
// long long labelloop_heap_in_use(void);
import "C"

// Set before libtorch allocates its first activation (see alloc.cpp).
func init() { C.labelloop_tune_malloc() }

// heapInUse is the bytes malloc has handed out and not had back.
func heapInUse() int64 { return int64(C.labelloop_heap_in_use()) }
