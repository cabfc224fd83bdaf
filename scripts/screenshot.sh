#!/usr/bin/env bash
# Runs the real app window under Xvfb (Mesa's software GL) on a dataset,
# steps through a few images with the keyboard, and saves screenshots.
# usage: scripts/screenshot.sh BIN DATASET OUTDIR [CLASS-PREFIX-TO-TYPE]
set -euo pipefail
bin=$1 data=$2 out=$3 class=${4:-circ}
mkdir -p "$out"
. "$(dirname "$0")/xvfb.sh"
start_xvfb
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
# draw a box as a user would: W, drag, type a class, Enter, save
xdotool mousemove 640 420 click 1
xdotool key w
xdotool mousemove 520 330 mousedown 1
for p in "560 360" "620 400" "680 440" "720 470"; do xdotool mousemove $p; sleep 0.05; done
xdotool mouseup 1
sleep 0.5
import -window root "$out/02-class-picker.png"
xdotool type --delay 50 "$class"
xdotool key Return
sleep 0.3
xdotool key ctrl+s
sleep 0.5
import -window root "$out/03-drawn-saved.png"
xdotool key d
sleep 1
import -window root "$out/04-next.png"
xdotool key F1
sleep 0.5
import -window root "$out/05-shortcuts.png"
xdotool key Escape
# the other tabs (positions of the tab row at 1280x800)
n=6
for tab in "97 Dataset" "161 Train" "222 Export" "290 Predict"; do
	set -- $tab
	xdotool mousemove "$1" 62 click 1
	sleep 1
	import -window root "$out/0$n-$2.png"
	n=$((n + 1))
done
echo "screenshots in $out"
