#!/usr/bin/env bash
# Linux packages of LabelLoop, into OUTDIR:
#   labelloop-VERSION-linux-amd64.tar.xz  fyne package's archive (desktop
#       entry, icon, app, its Makefile for `make install`), plus ONNX
#       Runtime and the training worker, which its Makefile also installs;
#   labelloop_VERSION_amd64.deb  the app (GUI + CLI) with ONNX Runtime beside
#       it in /usr/lib/labelloop, a desktop entry and icon; depends on GL,
#       X11, libjpeg-turbo and ffmpeg, recommends the worker;
#   labelloop-train_VERSION_amd64.deb  the training worker; depends on
#       Debian's libtorch1.13 (CPU). Separate because libtorch is ~500 MB
#       installed: people who only label and predict never need it.
# Dependencies are computed with dpkg-shlibdeps from the binaries.
# usage: scripts/package-linux.sh VERSION ORT_LIB OUTDIR
set -euo pipefail
ver=$1 ort=$2 out=$3
root=$(pwd)
mkdir -p "$out"
out=$(realpath "$out")
tmp=$(mktemp -d)
# fyne package bumps the build number in FyneApp.toml: keep the file as it is
cp FyneApp.toml "$tmp/FyneApp.toml.orig"
trap 'cp "$tmp/FyneApp.toml.orig" "$root/FyneApp.toml"; rm -rf "$tmp"' EXIT
GO=${GO:-go}

echo "building release binaries"
$GO build -trimpath -ldflags "-s -w" -o "$tmp/bin/labelloop" .
$GO build -trimpath -ldflags "-s -w" -o "$tmp/bin/labelloop-train" ./cmd/labelloop-train

deps() { # dpkg-shlibdeps wants a debian/control in the working folder
	mkdir -p "$tmp/shl/debian"
	printf 'Source: labelloop\n\nPackage: labelloop\nArchitecture: amd64\n' >"$tmp/shl/debian/control"
	(cd "$tmp/shl" && dpkg-shlibdeps -O "$1" 2>/dev/null | sed 's/^shlibs:Depends=//')
}

desktop() {
	cat <<EOF
[Desktop Entry]
Type=Application
Name=LabelLoop
GenericName=Object detector trainer
Comment=Label photos, train a detector and run it, on your own machine
Exec=labelloop %f
Icon=io.labelloop.app
Terminal=false
Categories=Graphics;Science;Development;
Keywords=label;annotate;detector;yolo;voc;
StartupWMClass=LabelLoop
EOF
}

copyright() {
	cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: LabelLoop

Files: *
License: see the project's repository

Files: usr/lib/labelloop/libonnxruntime.so.1
Copyright: Microsoft Corporation
License: MIT
 ONNX Runtime 1.24, from the npm package onnxruntime-node.
EOF
}

# --- labelloop .deb
pkg=$tmp/deb-app
install -Dm755 "$tmp/bin/labelloop" "$pkg/usr/lib/labelloop/labelloop"
install -Dm644 "$ort" "$pkg/usr/lib/labelloop/libonnxruntime.so.1"
mkdir -p "$pkg/usr/bin"
ln -s ../lib/labelloop/labelloop "$pkg/usr/bin/labelloop"
install -Dm644 assets/icon.png "$pkg/usr/share/icons/hicolor/512x512/apps/io.labelloop.app.png"
mkdir -p "$pkg/usr/share/applications" "$pkg/usr/share/doc/labelloop"
desktop >"$pkg/usr/share/applications/io.labelloop.app.desktop"
copyright >"$pkg/usr/share/doc/labelloop/copyright"
mkdir -p "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<EOF
Package: labelloop
Version: $ver
Architecture: amd64
Maintainer: LabelLoop developers <dev@labelloop.io>
Depends: $(deps "$tmp/bin/labelloop"), ffmpeg
Recommends: labelloop-train
Section: graphics
Priority: optional
Installed-Size: $(du -sk "$pkg/usr" | cut -f1)
Homepage: https://github.com/labelloop/labelloop
Description: label photos, train an object detector and run it
 LabelLoop takes a folder of photos to a working object detector on your
 own machine: Pascal VOC labelling, dataset checks and splits, YOLOv4 with
 a MobileNet backbone, ONNX export, prediction on images and video, and
 pre-labelling of new photos with the model. Training needs the
 labelloop-train package.
EOF
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/labelloop_${ver}_amd64.deb" >/dev/null

# --- labelloop-train .deb
pkg=$tmp/deb-train
install -Dm755 "$tmp/bin/labelloop-train" "$pkg/usr/lib/labelloop/labelloop-train"
mkdir -p "$pkg/usr/bin" "$pkg/DEBIAN"
ln -s ../lib/labelloop/labelloop-train "$pkg/usr/bin/labelloop-train"
cat >"$pkg/DEBIAN/control" <<EOF
Package: labelloop-train
Version: $ver
Architecture: amd64
Maintainer: LabelLoop developers <dev@labelloop.io>
Depends: $(deps "$tmp/bin/labelloop-train")
Section: science
Priority: optional
Installed-Size: $(du -sk "$pkg/usr" | cut -f1)
Homepage: https://github.com/labelloop/labelloop
Description: training worker of LabelLoop (libtorch, CPU)
 The process LabelLoop starts to train detectors; it also runs headless:
 labelloop-train train --config run.json.
EOF
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/labelloop-train_${ver}_amd64.deb" >/dev/null

# --- tar.xz: fyne package's archive, with ONNX Runtime and the worker added
# to it and to its Makefile (the app finds both in ../lib/labelloop)
fyne package --target linux --exe "$tmp/bin/labelloop" --name LabelLoop --app-version "$ver" --release >/dev/null
mkdir -p "$tmp/tar"
tar -xJf LabelLoop.tar.xz -C "$tmp/tar"
rm LabelLoop.tar.xz
t=$tmp/tar/labelloop
install -Dm644 "$ort" "$t/usr/local/lib/labelloop/libonnxruntime.so.1"
install -Dm755 "$tmp/bin/labelloop-train" "$t/usr/local/lib/labelloop/labelloop-train"
desktop >"$t/usr/local/share/applications/io.labelloop.app.desktop"
sed -i '/^install:/a\	install -Dm00644 usr/local/lib/labelloop/libonnxruntime.so.1 $(DESTDIR)$(PREFIX)/lib/labelloop/libonnxruntime.so.1\n\tinstall -Dm00755 usr/local/lib/labelloop/labelloop-train $(DESTDIR)$(PREFIX)/lib/labelloop/labelloop-train' "$t/Makefile"
sed -i '/^user-install:/a\	install -Dm00644 usr/local/lib/labelloop/libonnxruntime.so.1 $(DESTDIR)$(HOME)/.local/lib/labelloop/libonnxruntime.so.1\n\tinstall -Dm00755 usr/local/lib/labelloop/labelloop-train $(DESTDIR)$(HOME)/.local/lib/labelloop/labelloop-train' "$t/Makefile"
sed -i '/^uninstall:/a\	-rm -r $(DESTDIR)$(PREFIX)/lib/labelloop' "$t/Makefile"
sed -i '/^user-uninstall:/a\	-rm -r $(DESTDIR)$(HOME)/.local/lib/labelloop' "$t/Makefile"
tar -C "$tmp/tar" -cJf "$out/labelloop-${ver}-linux-amd64.tar.xz" labelloop

ls -l "$out"
