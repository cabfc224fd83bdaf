#!/usr/bin/env bash
# Runs the real app window under Xvfb (Mesa's software GL) on a dataset,
# steps through a few images with the keyboard, and saves screenshots.
# usage: scripts/screenshot.sh BIN DATASET OUTDIR
set -euo pipefail
bin=$1 data=$2 out=$3
mkdir -p "$out"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display LIBGL_ALWAYS_SOFTWARE=1
for _ in $(seq 1 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" "$data" >"$out/app.log" 2>&1 &
app=$!
cleanup() { kill "$app" "$xvfb" 2>/dev/null || true; }
trap cleanup EXIT
win=""
for _ in $(seq 1 100); do
	win=$(xdotool search --name '^LabelLoop$' 2>/dev/null | head -1) && [ -n "$win" ] && break
	sleep 0.2
done
[ -n "$win" ] || { echo "no LabelLoop window appeared; app log:"; cat "$out/app.log"; exit 1; }
sleep 2
import -window root "$out/01-open.png"
xdotool mousemove 700 400 click 1 key d key d
sleep 1
import -window root "$out/02-next.png"
echo "screenshots in $out"
