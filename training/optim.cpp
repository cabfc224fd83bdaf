// The optimizer step in our own C++: PyTorch's SGD (nesterov) and Adam
// update rules with weight decay on chosen tensors only, gradient scaling
// for clipping, and state tensors the Go side owns, so that a run can save
// and resume them. gotch's optimizer hides its state and decays everything.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <cmath>

using at::Tensor;

static Tensor &T(void *p) { return *static_cast<Tensor *>(p); }

extern "C" {

void labelloop_set_requires_grad(void *t, int on) { T(t).requires_grad_(on != 0); }

// zero_grad(set_to_none=True), as PyTorch does by default since 2.0.
void labelloop_zero_grad(void **p, int n) {
  for (int i = 0; i < n; i++) T(p[i]).mutable_grad().reset();
}

// The L2 norm of all gradients together (torch.nn.utils.clip_grad_norm_).
double labelloop_grad_norm(void **p, int n) {
  at::NoGradGuard g;
  double s = 0;
  for (int i = 0; i < n; i++) {
    const Tensor &gr = T(p[i]).grad();
    if (gr.defined()) s += gr.pow(2).sum().item<double>();
  }
  return std::sqrt(s);
}

// One SGD step: d = scale·g + wd·p; buf = momentum·buf + d; with nesterov
// d += momentum·buf, else d = buf; p −= lr·d. first: buf = d.
void labelloop_sgd_step(void **p, void **buf, const unsigned char *decay, int n, double lr, double momentum,
                        double wd, int nesterov, double scale, int first) {
  at::NoGradGuard g;
  for (int i = 0; i < n; i++) {
    Tensor &w = T(p[i]);
    if (!w.grad().defined()) continue;  // frozen
    Tensor d = w.grad().mul(scale);
    if (decay[i] && wd != 0) d.add_(w, wd);
    Tensor &b = T(buf[i]);
    if (first) b.copy_(d); else b.mul_(momentum).add_(d);
    if (nesterov) d.add_(b, momentum); else d = b;
    w.sub_(d, lr);
  }
}

// One Adam step (PyTorch's, weight decay as L2): g = scale·g + wd·p;
// m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= lr/(1−b1^t) · m /
// (√v/√(1−b2^t) + eps). t counts from 1.
void labelloop_adam_step(void **p, void **m, void **v, const unsigned char *decay, int n, double lr, double b1,
                         double b2, double eps, double wd, long long t, double scale) {
  at::NoGradGuard g;
  double bc1 = 1 - std::pow(b1, (double)t), bc2 = 1 - std::pow(b2, (double)t);
  for (int i = 0; i < n; i++) {
    Tensor &w = T(p[i]);
    if (!w.grad().defined()) continue;
    Tensor gr = w.grad().mul(scale);
    if (decay[i] && wd != 0) gr.add_(w, wd);
    T(m[i]).mul_(b1).add_(gr, 1 - b1);
    T(v[i]).mul_(b2).addcmul_(gr, gr, 1 - b2);
    Tensor denom = T(v[i]).sqrt().div_(std::sqrt(bc2)).add_(eps);
    w.addcdiv_(T(m[i]), denom, -lr / bc1);
  }
}
}
