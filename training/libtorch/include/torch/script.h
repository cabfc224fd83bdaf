// LabelLoop's compatibility layer between gotch v0.7.0 (generated against
// libtorch 1.11) and Debian's libtorch 1.13.1. gotch's C++ includes
// <torch/script.h> after <torch/torch.h>; this file comes first on the
// include path, pulls in the real header, then supplies what 1.13 renamed
// or removed. Ops that 1.13 no longer has throw if called; LabelLoop never
// calls them.
#pragma once
#include_next <torch/script.h>
#include <torch/torch.h>
#include <stdexcept>
#include <string>
#include <tuple>

namespace torch {

// renamed: _cat became cat
inline at::Tensor _cat(at::TensorList t, int64_t dim) { return at::cat(t, dim); }
inline at::Tensor& _cat_out(at::Tensor& out, at::TensorList t, int64_t dim) { return at::cat_out(out, t, dim); }

// signatures that gained parameters
inline at::Tensor& arange_out(at::Tensor& out, const at::Scalar& end) { return at::arange_out(out, 0, end, 1); }
inline at::Tensor& arange_out(at::Tensor& out, const at::Scalar& start, const at::Scalar& end) { return at::arange_out(out, start, end, 1); }
inline at::Tensor& arange_out(at::Tensor& out, const at::Scalar& start, const at::Scalar& end, const at::Scalar& step) { return at::arange_out(out, start, end, step); }
inline at::Tensor& bernoulli_out(at::Tensor& out, const at::Tensor& self) { return at::bernoulli_out(out, self, c10::nullopt); }
inline at::Tensor& bernoulli_out(at::Tensor& out, const at::Tensor& self, double p) { return at::bernoulli_out(out, self, p, c10::nullopt); }
inline at::Tensor& normal_out(at::Tensor& out, const at::Tensor& mean, double std) { return at::normal_out(out, mean, std, c10::nullopt); }
inline at::Tensor& normal_out(at::Tensor& out, double mean, const at::Tensor& std) { return at::normal_out(out, mean, std, c10::nullopt); }
inline at::Tensor& normal_out(at::Tensor& out, const at::Tensor& mean, const at::Tensor& std) { return at::normal_out(out, mean, std, c10::nullopt); }
inline at::Tensor& normal_out(at::Tensor& out, double mean, double std, at::IntArrayRef size) { return at::normal_out(out, mean, std, size, c10::nullopt); }
inline at::Tensor nansum(const at::Tensor& self, at::ScalarType dtype) { return at::nansum(self, c10::nullopt, false, dtype); }
inline at::Tensor nansum(const at::Tensor& self, at::IntArrayRef dim, bool keepdim, at::ScalarType dtype) { return at::nansum(self, dim, keepdim, dtype); }
inline at::Tensor& nansum_out(at::Tensor& out, const at::Tensor& self, at::IntArrayRef dim, bool keepdim, at::ScalarType dtype) { return at::nansum_out(out, self, dim, keepdim, dtype); }
inline std::tuple<at::Tensor, at::Tensor> grid_sampler_3d_backward(const at::Tensor& g, const at::Tensor& in, const at::Tensor& grid, int64_t interp, int64_t pad, bool align) {
  return at::grid_sampler_3d_backward(g, in, grid, interp, pad, align, {true, true});
}
inline at::Tensor segment_reduce(const at::Tensor& data, c10::string_view reduce, const c10::optional<at::Tensor>& lengths,
                                 const c10::optional<at::Tensor>& indices, int64_t axis, bool unsafe, const c10::optional<at::Scalar>& initial) {
  return at::segment_reduce(data, reduce, lengths, indices, c10::nullopt, axis, unsafe, initial);
}
inline at::Tensor _segment_reduce_backward(const at::Tensor& grad, const at::Tensor& output, const at::Tensor& data, c10::string_view reduce,
                                           const c10::optional<at::Tensor>& lengths, int64_t axis) {
  return at::_segment_reduce_backward(grad, output, data, reduce, lengths, c10::nullopt, axis, c10::nullopt);
}

// removed in 1.13
[[noreturn]] inline void removed_in_113(const char* op) {
  throw std::runtime_error(std::string(op) + " is not available in libtorch 1.13");
}
using T2 = std::tuple<at::Tensor, at::Tensor>;
using T3 = std::tuple<at::Tensor, at::Tensor, at::Tensor>;
#define LABELLOOP_REMOVED(ret, name) \
  template <class... A> ret name(A&&...) { removed_in_113(#name); }
LABELLOOP_REMOVED(T2, eig)
LABELLOOP_REMOVED(T2, eig_out)
LABELLOOP_REMOVED(T2, lstsq)
LABELLOOP_REMOVED(T2, lstsq_out)
LABELLOOP_REMOVED(T2, solve)
LABELLOOP_REMOVED(T2, solve_out)
LABELLOOP_REMOVED(at::Tensor, matrix_rank)
LABELLOOP_REMOVED(T2, _solve_helper)
LABELLOOP_REMOVED(T2, _linalg_qr_helper)
LABELLOOP_REMOVED(at::Tensor, l1_loss_backward)
LABELLOOP_REMOVED(at::Tensor, l1_loss_backward_out)
LABELLOOP_REMOVED(at::Tensor, kl_div_backward)
LABELLOOP_REMOVED(at::Tensor, col2im_backward)
LABELLOOP_REMOVED(at::Tensor, col2im_backward_out)
LABELLOOP_REMOVED(at::Tensor, im2col_backward)
LABELLOOP_REMOVED(at::Tensor, im2col_backward_out)
LABELLOOP_REMOVED(at::Tensor, max_unpool2d_backward)
LABELLOOP_REMOVED(at::Tensor, max_unpool2d_backward_out)
LABELLOOP_REMOVED(at::Tensor, max_unpool3d_backward)
LABELLOOP_REMOVED(at::Tensor, max_unpool3d_backward_out)
LABELLOOP_REMOVED(T3, _det_lu_based_helper)
LABELLOOP_REMOVED(at::Tensor, _s_where)
LABELLOOP_REMOVED(at::Tensor, binary_cross_entropy_with_logits_backward)
LABELLOOP_REMOVED(T2, _weight_norm_cuda_interface)
LABELLOOP_REMOVED(T2, _weight_norm_cuda_interface_backward)
LABELLOOP_REMOVED(at::Tensor, _det_lu_based_helper_backward_helper)
LABELLOOP_REMOVED(at::Tensor, _linalg_inv_out_helper_)
LABELLOOP_REMOVED(at::Tensor, l1_loss_out)
#undef LABELLOOP_REMOVED

}  // namespace torch
