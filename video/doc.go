// Package video reads and writes video through ffmpeg children: probing,
// RGBA or yuv420p (y4m) frames in, H.264 out, live sources (cameras,
// streams) that drop frames rather than queue them. It knows nothing of
// the network; inference runs a detector over its frames.
package video
