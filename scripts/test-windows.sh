#!/usr/bin/env bash
# Checks the Windows installer from here: PE headers and imports of the
# programs, the installer's file list, its signature when signed; then,
# under wine, a silent install, `labelloop-cli check` and `predict` with the
# bundled onnxruntime.dll, the app's window (screenshot under Xvfb) and the
# uninstaller.
# usage: scripts/test-windows.sh DIST VERSION
set -uo pipefail
dist=$(realpath "$1") ver=$2
setup="$dist/LabelLoop-${ver}-windows-amd64-setup.exe"
out=$dist/test-windows
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'kill ${xvfb:-} 2>/dev/null; rm -rf "$work"' EXIT
fail=0

echo "== installer: $(file -b "$setup" | cut -c1-60), $(du -h "$setup" | cut -f1)"
7z l "$setup" | awk '/^-----/{n++; next} n==1{print "   ", $NF}' | tee "$out/files.txt"
for f in LabelLoop.exe labelloop-cli.exe onnxruntime.dll DirectML.dll Uninstall.exe; do
	grep -q "$f" "$out/files.txt" || grep -q '\$PLUGINSDIR' "$out/files.txt" || { echo "missing $f"; fail=1; }
done
sig=$(osslsigncode verify -in "$setup" 2>&1)
if grep -q "Signature Index" <<<"$sig"; then
	echo "   signed by $(sed -n 's/^[[:space:]]*Subject: //p' <<<"$sig" | head -1); chain $(grep -q 'Signature verification: ok' <<<"$sig" && echo trusted || echo 'not trusted here (self-signed or unknown CA)')"
else
	echo "   not signed (no SIGN_PFX given)"
fi

echo "== programs (extracted from the installer)"
7z x -o"$work/x" "$setup" >/dev/null
for exe in LabelLoop.exe labelloop-cli.exe; do
	p=$(find "$work/x" -name "$exe" | head -1)
	echo "   $exe: $(file -b "$p" | cut -c1-50)"
	echo "     imports: $(x86_64-w64-mingw32-objdump -p "$p" | sed -n 's/.*DLL Name: //p' | sort -u | tr '\n' ' ')"
done
file -b "$(find "$work/x" -name LabelLoop.exe | head -1)" | grep -q GUI || { echo "LabelLoop.exe is not a GUI program"; fail=1; }
file -b "$(find "$work/x" -name labelloop-cli.exe | head -1)" | grep -q console || { echo "labelloop-cli.exe is not a console program"; fail=1; }

if ! command -v wine >/dev/null; then
	echo "no wine: stopping here"
	exit $fail
fi
echo "== wine $(wine --version 2>/dev/null): silent install"
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot -i >/dev/null 2>&1
# wine 8 lacks bcryptprimitives.dll, which Go programs load at start (every
# Windows 10/11 has it): a test-only stand-in goes into the prefix
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	installer/windows/winetest/bcryptprimitives.c -ladvapi32
timeout 300 wine "$setup" /S >/dev/null 2>&1
inst="$WINEPREFIX/drive_c/Program Files/LabelLoop"
ls "$inst" | sed 's/^/    /'
[ -f "$inst/LabelLoop.exe" ] || { echo "install failed"; exit 1; }

echo "== labelloop-cli under wine"
go run ./cmd/labelloop-demo "$work/data" >/dev/null
go run . split "$work/data" >/dev/null
timeout 300 wine "$inst/labelloop-cli.exe" check "Z:$work/data" 2>&1 | tr -d '\r' | tail -3 | tee "$out/check.txt"
grep -q "0 errors" "$out/check.txt" || fail=1
# a model to predict with: two training steps with this machine's worker,
# exported by this machine's app (bin/ from make build)
if [ -x bin/labelloop-train ] && [ -x bin/labelloop ]; then
	printf '{"dataset": "%s", "backbone": "mobilenetv3", "input_size": 128, "epochs": 1, "batch": 4, "max_steps": 2, "augment": "none", "project": "%s"}\n' \
		"$work/data" "$work/runs" >"$work/run.json"
	bin/labelloop-train train --config "$work/run.json" >/dev/null
	bin/labelloop export --weights "$work/runs/train-1/weights/last.safetensors" --out "$work/m.onnx" >/dev/null
	echo "   predict with onnxruntime.dll:"
	timeout 300 wine "$inst/labelloop-cli.exe" predict --model "Z:$work/m.onnx" --conf 0.01 --no-save --project "Z:$work/runs" "Z:$work/data/JPEGImages/shapes-00000.jpg" 2>&1 |
		tr -d '\r' | tail -3 | tee "$out/predict.txt"
	grep -q "detections" "$out/predict.txt" || fail=1
fi

echo "== the window under wine + Xvfb"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1 wine "$inst/LabelLoop.exe" "Z:$work/data" >"$out/app.log" 2>&1 &
app=$!
sleep 25
DISPLAY=$display import -window root "$out/wine-window.png"
# the Train tab: no worker on Windows, and the app says what to do
DISPLAY=$display xdotool mousemove 165 70 click 1
sleep 2
DISPLAY=$display import -window root "$out/wine-train.png"
kill $app 2>/dev/null
wineserver -k 2>/dev/null

echo "== uninstall"
timeout 120 wine "$inst/Uninstall.exe" /S >/dev/null 2>&1
sleep 3
[ -f "$inst/LabelLoop.exe" ] && { echo "uninstall left files"; fail=1; } || echo "    removed"
echo "results in $out"
exit $fail
