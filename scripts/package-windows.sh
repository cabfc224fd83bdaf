#!/usr/bin/env bash
# The Windows installer, cross-built here with mingw-w64 and NSIS:
#   dist/LabelLoop-VERSION-windows-amd64-setup.exe
# holding LabelLoop.exe (GUI: fyne package adds the icon and manifest),
# labelloop-cli.exe (the same commands in a console: a GUI-subsystem
# program cannot print to one), onnxruntime.dll and DirectML.dll from the
# npm package onnxruntime-node. Signed with osslsigncode when SIGN_PFX (and
# SIGN_PASS) name a code-signing certificate.
# The training worker is not in it: gotch needs libtorch built for Linux
# or macOS (see the README, "Training on your machine").
# usage: scripts/package-windows.sh VERSION ORT_WIN_DIR OUTDIR
set -euo pipefail
ver=$1 ortdir=$2 out=$3
root=$(pwd)
mkdir -p "$out"
out=$(realpath "$out")
stage=$(mktemp -d)
# fyne package bumps the build number in FyneApp.toml: keep the file as it is
cp FyneApp.toml "$stage/FyneApp.toml.orig"
trap 'cp "$stage/FyneApp.toml.orig" "$root/FyneApp.toml"; rm -rf "$stage"' EXIT
GO=${GO:-go}
export GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++
# libtorch's flags are for Linux; libjpeg-turbo has no mingw build in Debian
# (noturbo: Go's JPEG decoder)
unset CGO_CXXFLAGS CGO_LDFLAGS

echo "building LabelLoop.exe (fyne package: icon, manifest, GUI subsystem)"
(fyne package --target windows --name LabelLoop --app-version "$ver" --tags noturbo --release >/dev/null &&
	mv LabelLoop.exe "$stage/LabelLoop.exe")
cp "$stage/FyneApp.toml.orig" FyneApp.toml
echo "building labelloop-cli.exe"
$GO build -tags noturbo -trimpath -ldflags "-s -w" -o "$stage/labelloop-cli.exe" .
cp "$ortdir/onnxruntime.dll" "$ortdir/DirectML.dll" "$stage/"
convert assets/icon.png -define icon:auto-resize=256,64,48,32,16 "$stage/labelloop.ico"
cat >"$stage/README.txt" <<EOF
LabelLoop $ver for Windows

LabelLoop.exe       the app (Start menu: LabelLoop)
labelloop-cli.exe   the same commands for a console or scripts:
                    labelloop-cli check|split|export|predict|eval|autolabel
onnxruntime.dll     ONNX Runtime 1.24 (MIT, Microsoft), used for prediction
DirectML.dll        GPU prediction on any DirectX 12 card; set
                    LABELLOOP_NO_GPU=1 to stay on the CPU

Training runs in the labelloop-train worker, which needs libtorch and is
built for Linux and macOS: on Windows, install LabelLoop's .deb in WSL2
(Ubuntu/Debian) and train there, or train on a Linux machine; the models
it writes open here. See https://github.com/labelloop/labelloop#training-on-your-machine
EOF

sign() { # sign in place when a certificate is given
	[ -n "${SIGN_PFX:-}" ] || return 0
	osslsigncode sign -pkcs12 "$SIGN_PFX" ${SIGN_PASS:+-pass "$SIGN_PASS"} -n LabelLoop \
		-i https://github.com/labelloop/labelloop ${SIGN_TS:+-ts "$SIGN_TS"} -in "$1" -out "$1.signed" >/dev/null
	mv "$1.signed" "$1"
	echo "signed $(basename "$1")"
}
sign "$stage/LabelLoop.exe"
sign "$stage/labelloop-cli.exe"

setup="$out/LabelLoop-${ver}-windows-amd64-setup.exe"
makensis -V2 -DVERSION="$ver" -DSTAGE="$stage" -DOUT="$setup" installer/windows/labelloop.nsi
sign "$setup"
ls -l "$setup"
