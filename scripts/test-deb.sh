#!/usr/bin/env bash
# Installs the .debs from DIST with apt-get on this machine, checks the
# installed app as a user would (labelloop check from the installed path,
# the window under Xvfb with a screenshot, the worker found beside it), and
# removes the packages again. Also times the cold start to the first window.
# usage: scripts/test-deb.sh DIST VERSION
set -euo pipefail
dist=$(realpath "$1") ver=$2
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
out=$dist/test
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
cleanup() {
	[ -n "${xvfb:-}" ] && kill "$xvfb" 2>/dev/null || true
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -q labelloop labelloop-train >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== apt-get install ./labelloop_${ver}_amd64.deb ./labelloop-train_${ver}_amd64.deb"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$dist/labelloop_${ver}_amd64.deb" "$dist/labelloop-train_${ver}_amd64.deb" >"$out/apt.log" 2>&1 ||
	{ tail -20 "$out/apt.log"; exit 1; }
dpkg -s labelloop | grep -E '^(Status|Version|Depends|Recommends)'
command -v labelloop labelloop-train

echo "== labelloop check (installed path) on a generated dataset"
go run ./cmd/labelloop-demo "$work/data" >/dev/null
(cd "$work" && /usr/bin/labelloop check data | tail -3)
/usr/bin/labelloop split "$work/data" | head -1

echo "== installed worker (libtorch from Debian) trains; installed app exports and predicts (bundled ONNX Runtime)"
cat >"$work/run.json" <<EOF
{"dataset": "$work/data", "backbone": "mobilenetv3", "input_size": 128, "epochs": 1, "batch": 8, "augment": "flip", "project": "$work/runs"}
EOF
labelloop-train train --config "$work/run.json" | grep -E '"event":"(started|done|error)"' | cut -c1-160
labelloop export --weights "$work/runs/train-1/weights/last.safetensors" --out "$work/m.onnx" | tail -1
labelloop predict --model "$work/m.onnx" --conf 0.01 --project "$work/runs" "$work/data/JPEGImages" | tail -2

echo "== window under Xvfb, cold start to first window"
. "$(dirname "$0")/xvfb.sh"
start_xvfb
# three cold starts (page cache dropped before each), then one to look at
times=()
for i in 1 2 3 4; do
	sync
	echo 3 | $SUDO tee /proc/sys/vm/drop_caches >/dev/null 2>&1 || echo "(could not drop the page cache: warm start)"
	t0=$(date +%s.%N)
	HOME=$work /usr/bin/labelloop "$work/data" >"$out/app.log" 2>&1 &
	app=$!
	win=""
	for _ in $(seq 1 500); do
		win=$(xdotool search --name '^LabelLoop$' 2>/dev/null | head -1) && [ -n "$win" ] && break
		sleep 0.02
	done
	t1=$(date +%s.%N)
	[ -n "$win" ] || { echo "no window"; cat "$out/app.log"; exit 1; }
	[ $i -eq 4 ] && break
	times+=("$(echo "$t1 - $t0" | bc)")
	kill "$app"; wait "$app" 2>/dev/null || true
	sleep 1
done
printf 'cold start to first window (page cache dropped): %s s; median %s s\n' "${times[*]}" \
	"$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)" | tee "$out/coldstart.txt"
sleep 3
import -window root "$out/installed-window.png"
# the Train tab: the installed worker is found (no "not installed" note)
xdotool mousemove 161 62 click 1
sleep 1
import -window root "$out/installed-train.png"
kill "$app"
echo "screenshots in $out"
ls -l "$dist"/*.deb "$dist"/*.tar.xz | awk '{printf "%s %.1f MB\n", $NF, $5/1048576}' | tee "$out/sizes.txt"
