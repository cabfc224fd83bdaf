// glibc's allocator tuned for libtorch's pattern of many large, short-lived
// buffers (activations and gradients, tens of MB each, every step).
#include <climits>
#include <malloc.h>

extern "C" void labelloop_tune_malloc(void) {
  // Out of the box, big blocks are mapped and unmapped on every step and
  // each new page faults in: 1.5 M page faults and a forward pass three
  // times slower than the same network in Python, whose main-thread arena
  // happens to keep its memory. One arena that grows and keeps its pages
  // gives the same reuse to the thread that runs the step.
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

// The bytes malloc has handed out and not had back: leak tests watch it.
extern "C" long long labelloop_heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long long)(mi.uordblks + mi.hblkhd);
}
