// Package layering holds no code: its test keeps the packages' dependency
// bars (libtorch only in training, ONNX Runtime only in inference, Fyne
// only in ui and app, the dataset package out of model) from eroding as
// imports are added.
package layering
