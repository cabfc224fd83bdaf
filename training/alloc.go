package training

// void labelloop_tune_malloc(void);
import "C"

// Set before libtorch allocates its first activation (see alloc.cpp).
func init() { C.labelloop_tune_malloc() }
