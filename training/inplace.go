package training

// #cgo CXXFLAGS: -std=c++14
// void labelloop_relu_(void *t);
// void labelloop_relu6_(void *t);
import "C"

import "github.com/sugarme/gotch/ts"

// relu_ and relu6_ apply the activation in place, as the reference's
// inplace=True does: their backward needs only the output, so a step
// allocates and writes much less.
func relu_(t *ts.Tensor)  { C.labelloop_relu_(t.Ctensor()) }
func relu6_(t *ts.Tensor) { C.labelloop_relu6_(t.Ctensor()) }
