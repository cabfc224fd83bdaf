#!/usr/bin/env bash
# Installs LabelLoop's training worker (labelloop-train) for this user,
# built from this checkout against a libtorch 1.13.1:
#
#   scripts/install-worker.sh cpu            Debian/Ubuntu: Debian's libtorch1.13 (apt)
#   scripts/install-worker.sh cuda           pytorch.org's libtorch 1.13.1+cu117 (Linux,
#                                            NVIDIA driver >= 515), downloaded to PREFIX
#   scripts/install-worker.sh --libtorch DIR a libtorch 1.13.1 unpacked in DIR
#                                            (DIR/include, DIR/lib), e.g. for macOS
#
# The worker goes to PREFIX/lib/labelloop/labelloop-train (PREFIX: ~/.local,
# or --prefix) with libtorch's folder in its rpath, and a link in PREFIX/bin.
# The app finds it there (beside itself in ../lib/labelloop, or on PATH);
# else point LABELLOOP_TRAIN at it. Needs Go (1.21+) and a C++ compiler.
# With a .deb install on Debian/Ubuntu, `apt install ./labelloop-train_*.deb`
# is simpler; this script is for CUDA and for other systems.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$HOME/.local
mode="" lt=""
while [ $# -gt 0 ]; do
	case $1 in
	cpu | cuda) mode=$1 ;;
	--libtorch) mode=dir lt=$2; shift ;;
	--prefix) prefix=$2; shift ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
	shift
done
[ -n "$mode" ] || { sed -n '2,17p' "$0"; exit 2; }
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
dest=$prefix/lib/labelloop
mkdir -p "$dest" "$prefix/bin"

case $mode in
cpu)
	dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends libtorch-dev
	# Debian splits libtorch: headers in /usr/include, libraries in the multiarch folder
	lt=$(mktemp -d)
	trap 'rm -rf "$lt"' EXIT
	ln -s /usr/include "$lt/include"
	ln -s "/usr/lib/$(gcc -print-multiarch)" "$lt/lib"
	;;
cuda)
	url="https://download.pytorch.org/libtorch/cu117/libtorch-cxx11-abi-shared-with-deps-1.13.1%2Bcu117.zip"
	lt=$dest/libtorch-1.13.1-cu117
	if [ ! -f "$lt/lib/libtorch_cuda.so" ]; then
		echo "downloading libtorch 1.13.1+cu117 (about 2 GB)"
		zip=$(mktemp --suffix=.zip)
		curl -fL --retry 3 -o "$zip" "$url"
		rm -rf "$lt.tmp" && mkdir -p "$lt.tmp"
		unzip -q "$zip" -d "$lt.tmp" && rm "$zip"
		rm -rf "$lt" && mv "$lt.tmp/libtorch" "$lt" && rm -rf "$lt.tmp"
	fi
	;;
dir)
	[ -f "$lt/include/torch/script.h" ] || { echo "$lt: no include/torch/script.h (want an unpacked libtorch 1.13.1)"; exit 1; }
	;;
esac

[ -d third_party/gotch ] || sh training/libtorch/gotch-patch.sh third_party/gotch
stubs=""
if [ ! -e "$lt/lib/libtorch_cuda.so" ]; then
	# a CPU libtorch: empty stand-ins for the CUDA libraries gotch's cgo
	# directives name (--as-needed drops them again)
	stubs=$(mktemp -d)
	for l in cuda cudart cublas cudnn caffe2_nvrtc nvrtc-builtins nvrtc nvToolsExt c10_cuda torch_cuda; do
		gcc -shared -o "$stubs/lib$l.so" -x c /dev/null
	done
fi
libdir=$(cd "$lt/lib" && pwd -P)
export CGO_CXXFLAGS="-I$PWD/training/libtorch/include -I$lt/include -I$lt/include/torch/csrc/api/include"
export CGO_LDFLAGS="${stubs:+-L$stubs }-L$libdir -Wl,-rpath,$libdir -Wl,--as-needed"
echo "building labelloop-train against $libdir"
go build -trimpath -o "$dest/labelloop-train" ./cmd/labelloop-train
[ -n "$stubs" ] && rm -rf "$stubs"
ln -sf "$dest/labelloop-train" "$prefix/bin/labelloop-train"

# check: it loads its libraries and runs
out=$("$dest/labelloop-train" 2>&1 || true)
if grep -q "usage" <<<"$out"; then
	echo "installed $dest/labelloop-train"
else
	echo "$dest/labelloop-train does not start:"; echo "$out"
	exit 1
fi
case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) echo "note: $prefix/bin is not on PATH; the app finds the worker if it is, or with LABELLOOP_TRAIN=$dest/labelloop-train" ;;
esac
