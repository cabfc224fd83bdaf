// A few lines of our own C++ for what gotch v0.7.0 does not wrap.
#include <ATen/Parallel.h>
#include <ATen/Context.h>

extern "C" {
void labelloop_set_num_threads(int n) { at::set_num_threads(n); }
int labelloop_get_num_threads() { return at::get_num_threads(); }
void labelloop_manual_seed(unsigned long long seed) { at::manual_seed(seed); }
}
