// Package detect is the arithmetic around the network, shared by training
// (libtorch) and inference (ONNX Runtime) without either's runtime: the
// letterbox and pixel conversion into the input square (RGBA and yuv420p
// frames), decoding the three YOLO heads, NMS, mAP, and drawing boxes.
// It imports no runtime, no ffmpeg and no Fyne.
package detect
