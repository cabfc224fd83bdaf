#!/usr/bin/env bash
# Checks the Windows installer from here: PE headers and imports of the
# programs, the installer's file list, its signature when signed; then,
# under wine, a silent install, `labelloop-cli check`, `predict` with the
# bundled onnxruntime.dll, the app's window and its Predict tab on a
# picture (screenshots under Xvfb), and the uninstaller. Every check runs;
# any that fails makes the script fail, and nothing is skipped: what a
# check needs and is missing is an error.
# The model comes from this machine: two training steps with bin/labelloop-
# train, exported by bin/labelloop (`make build`; make package-windows
# builds them).
# LABELLOOP_WINTEST_REMOVE="onnxruntime.dll ..." deletes those files from
# the installed folder before the checks, to see the checks fail without them.
# usage: scripts/test-windows.sh DIST VERSION
set -euo pipefail
dist=$(realpath "$1") ver=$2
root=$(pwd)
setup="$dist/LabelLoop-${ver}-windows-amd64-setup.exe"
out=$dist/test-windows
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
cleanup() {
	[ -z "${WINEPREFIX:-}" ] || wineserver -k 2>/dev/null || true
	[ -z "${xvfb:-}" ] || kill "$xvfb" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }

missing=""
for t in 7z osslsigncode x86_64-w64-mingw32-objdump x86_64-w64-mingw32-gcc wine wineboot wineserver Xvfb xdotool import; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
for b in bin/labelloop bin/labelloop-train; do
	[ -x "$b" ] || missing="$missing $b"
done
if [ -n "$missing" ]; then
	echo "FAIL: missing:$missing"
	echo "  (make package-tools installs the tools, make build the two programs; make package-windows runs both)"
	exit 1
fi
[ -f "$setup" ] || { echo "FAIL: no installer $setup"; exit 1; }

echo "== installer: $(file -b "$setup" | cut -c1-60), $(du -h "$setup" | cut -f1)"
7z l "$setup" | awk '/^-----/{n++; next} n==1{print "   ", $NF}' | tee "$out/files.txt"
for f in LabelLoop.exe labelloop-cli.exe onnxruntime.dll DirectML.dll Uninstall.exe; do
	grep -qx "    $f" "$out/files.txt" || failed "the installer has no $f"
done
sig=$(osslsigncode verify -in "$setup" 2>&1 || true)
if grep -q "Signature Index" <<<"$sig"; then
	echo "   signed by $(sed -n 's/^[[:space:]]*Subject: //p' <<<"$sig" | head -1); chain $(grep -q 'Signature verification: ok' <<<"$sig" && echo trusted || echo 'not trusted here (self-signed or unknown CA)')"
else
	echo "   not signed (no SIGN_PFX given)"
fi

echo "== programs (extracted from the installer)"
7z x -o"$work/x" "$setup" >/dev/null
for exe in LabelLoop.exe labelloop-cli.exe; do
	p=$(find "$work/x" -name "$exe" | head -1)
	[ -n "$p" ] || { failed "$exe not in the installer"; continue; }
	echo "   $exe: $(file -b "$p" | cut -c1-50)"
	echo "     imports: $(x86_64-w64-mingw32-objdump -p "$p" | sed -n 's/.*DLL Name: //p' | sort -u | tr '\n' ' ')"
	want=$([ "$exe" = LabelLoop.exe ] && echo GUI || echo console)
	file -b "$p" | grep -q "$want" || failed "$exe is not a $want program"
done

echo "== wine $(wine --version 2>/dev/null): silent install"
# the display first: wine's processes (wineserver, its desktop) keep the
# DISPLAY they started with, and the app's window needs one
. "$root/scripts/xvfb.sh"
start_xvfb
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
# the programs must find ONNX Runtime in their own folder: no override,
# and they run from $work, away from the checkout's third_party/ (which
# they would also look in)
unset LABELLOOP_ORT_LIB
cd "$work"
wineboot -i >/dev/null 2>&1
# wine 8 lacks bcryptprimitives.dll, which Go programs load at start (every
# Windows 10/11 has it): a test-only stand-in goes into the prefix
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	"$root/installer/windows/winetest/bcryptprimitives.c" -ladvapi32
timeout 300 wine "$setup" /S >/dev/null 2>&1 || true
inst="$WINEPREFIX/drive_c/Program Files/LabelLoop"
[ -f "$inst/LabelLoop.exe" ] || { echo "FAIL: install failed (no LabelLoop.exe in $inst)"; exit 1; }
for f in ${LABELLOOP_WINTEST_REMOVE:-}; do
	rm -v "$inst/$f" | sed 's/^/    (LABELLOOP_WINTEST_REMOVE) /' || failed "LABELLOOP_WINTEST_REMOVE: no $f installed"
done
ls "$inst" | sed 's/^/    /'

# onnxruntime.dll as wine loaded it (WINEDEBUG=+loaddll), or nothing
ortloaded() { grep -o 'Loaded L"[^"]*onnxruntime\.dll"' "$1" | sed 's/\\\\/\\/g; s/^Loaded L//' | head -1; }
want_ort='"C:\Program Files\LabelLoop\onnxruntime.dll"'

echo "== labelloop-cli under wine"
(cd "$root" && go run ./cmd/labelloop-demo "$work/data" >/dev/null)
"$root/bin/labelloop" split "$work/data" >/dev/null
if timeout 300 wine "$inst/labelloop-cli.exe" check "Z:$work/data" >"$out/check.txt" 2>&1; then :; fi
tr -d '\r' <"$out/check.txt" | tail -3 | sed 's/^/    /'
grep -q "0 errors" "$out/check.txt" || failed "labelloop-cli check did not report 0 errors"

# a model to predict with: two training steps with this machine's worker,
# exported by this machine's app into the dataset's runs/, where the
# Predict tab finds it
model=$work/data/runs/train-1/weights/best.onnx
printf '{"dataset": "%s", "backbone": "mobilenetv3", "input_size": 128, "epochs": 1, "batch": 4, "max_steps": 2, "augment": "none", "project": "%s"}\n' \
	"$work/data" "$work/data/runs" >"$work/run.json"
"$root/bin/labelloop-train" train --config "$work/run.json" >"$out/train.log" 2>&1 ||
	{ tail -5 "$out/train.log"; echo "FAIL: training the test model failed"; exit 1; }
"$root/bin/labelloop" export --weights "$work/data/runs/train-1/weights/last.safetensors" --out "$model" >"$out/export.log" 2>&1 ||
	{ tail -5 "$out/export.log"; echo "FAIL: exporting the test model failed"; exit 1; }
echo "   model: $(tail -2 "$out/export.log" | head -1)"
pic=$work/data/JPEGImages/shapes-00000.jpg

echo "== predict with onnxruntime.dll (labelloop-cli under wine)"
rc=0
WINEDEBUG=-all,+loaddll timeout 300 wine "$inst/labelloop-cli.exe" predict --model "Z:$model" --conf 0.01 --nms 1 \
	--project "Z:$work/runs" "Z:$pic" >"$out/predict-trace.txt" 2>&1 || rc=$?
grep -v ':trace:' "$out/predict-trace.txt" | tr -d '\r' | tee "$out/predict.txt" | sed 's/^/    /'
echo "    exit status $rc; onnxruntime.dll loaded: $(ortloaded "$out/predict-trace.txt" || true)"
cli_n=$(sed -n 's/^1 image, 0 videos, \([0-9]*\) detections.*/\1/p' "$out/predict.txt")
[ "$rc" -eq 0 ] && [ -n "$cli_n" ] || failed "labelloop-cli predict did not predict (exit status $rc)"
[ "$(ortloaded "$out/predict-trace.txt")" = "$want_ort" ] || failed "labelloop-cli did not load $want_ort"

echo "== the window and its Predict tab under wine + Xvfb"
# preferences as a user might have left them: the thresholds of the
# predict above, so that the counts can be compared (no suppression: the
# Predict tab suppresses after clipping boxes to the picture, predict
# before, and a barely trained model's boxes cross its edges); the
# picture is picked from a folder of its own
mkdir -p "$work/pick"
cp "$pic" "$work/pick/"
roaming=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData/Roaming | head -1)
mkdir -p "$roaming/fyne/io.labelloop.app"
printf '{"conf": 0.01, "nms": 1}\n' >"$roaming/fyne/io.labelloop.app/preferences.json"
WINEDEBUG=-all,+loaddll wine "$inst/LabelLoop.exe" "Z:$work/data" >"$out/app-trace.txt" 2>&1 &
app=$!
win=""
for _ in $(seq 1 120); do
	win=$(xdotool search --name '^LabelLoop$' 2>/dev/null | head -1) && [ -n "$win" ] && break
	sleep 1
done
shot() { import -window root "$out/$1" && echo "   screenshot $out/$1" || failed "no screenshot $1"; }
# x y in the window (wine places it below a title bar); a window that has
# gone shows in the checks that follow
click() { xdotool mousemove --window "$win" "$1" "$2" click 1 || true; sleep "${3:-2}"; }
if [ -z "$win" ]; then
	failed "no LabelLoop window under wine within 120 s"
	shot wine-nowindow.png
else
	sleep 8 # the dataset check fills in the list
	shot wine-window.png
	# the Train tab: no worker on Windows, and the app says what to do
	click 161 47
	shot wine-train.png
	# the Predict tab: the exported model is the default; Open…, then the
	# picture's path typed into the picker's path field (it has the focus
	# with its text selected; a file's path opens that file)
	click 290 47
	click 104 247 3
	shot wine-predict-dialog.png
	xdotool key ctrl+a
	xdotool type --delay 20 "Z:$work/pick/$(basename "$pic")"
	xdotool key Return
	sleep 5
	# before Save is pressed: the status line says how it went
	shot wine-predict-opened.png
	# the model loads (an ONNX Runtime session) and runs; then Save
	# results writes the shown detections into the dataset's runs/
	saved=""
	for _ in $(seq 1 20); do
		sleep 3
		click 307 247 2
		saved=$(ls "$work"/data/runs/predict-*/detections.jsonl 2>/dev/null | head -1) && [ -n "$saved" ] && break
	done
	shot wine-predict.png
	gui_ort=$(ortloaded "$out/app-trace.txt" || true)
	echo "   app: onnxruntime.dll loaded: $gui_ort"
	if [ -z "$saved" ]; then
		failed "the Predict tab under wine showed no prediction within 60 s (its status line says why: $out/wine-predict-opened.png)"
	else
		gui_n=$(grep -c . "$saved" || true)
		cp "$saved" "$out/gui-detections.jsonl"
		echo "   Predict tab: $gui_n detections on $(basename "$pic") (labelloop-cli: ${cli_n:-none}), saved in $(dirname "$saved")"
		[ "$gui_n" = "$cli_n" ] || failed "the Predict tab found $gui_n detections, labelloop-cli ${cli_n:-none}"
	fi
	[ "$gui_ort" = "$want_ort" ] || failed "the app did not load $want_ort"
fi
grep -v ':trace:' "$out/app-trace.txt" | tr -d '\r' >"$out/app.log" || true
kill "$app" 2>/dev/null || true
wineserver -k 2>/dev/null || true

echo "== uninstall"
timeout 120 wine "$inst/Uninstall.exe" /S >/dev/null 2>&1 || true
sleep 3
if [ -f "$inst/LabelLoop.exe" ]; then failed "uninstall left files"; else echo "    removed"; fi
echo "results in $out"
[ $fail -eq 0 ] && echo "all Windows checks passed" || echo "some Windows checks FAILED (see above)"
exit $fail
