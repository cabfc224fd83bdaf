// Package onnxpb holds Go types for ONNX's protobuf messages, generated
// once from Debian's onnx.proto (libonnx-dev 1.12, IR version 8) with
// protoc (protobuf-compiler 3.21) and protoc-gen-go 1.28 (package
// protoc-gen-go). To regenerate: go generate ./model/onnx/onnxpb
package onnxpb

//go:generate sh -c "cp /usr/include/onnx/onnx.proto . && protoc --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/labelloop/labelloop/model/onnx/onnxpb onnx.proto && rm onnx.proto"
