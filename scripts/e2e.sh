#!/usr/bin/env bash
# The whole loop in the real window under Xvfb + Mesa: the e2e build of
# the app (ui/e2e.go) splits a copy of a dataset, trains a small config
# with the real labelloop-train worker, exports, predicts on a picture and
# a video, pre-labels an unlabelled image, and screenshots each step.
# usage: scripts/e2e.sh E2E-BIN DATASET OUTDIR
set -euo pipefail
bin=$1 src=$2 out=$3
mkdir -p "$out"
work=$(mktemp -d)
cp -r "$src" "$work/data"
cleanup() { kill "${xvfb:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. "$(dirname "$0")/xvfb.sh"
start_xvfb
start=$(date +%s)
LABELLOOP_E2E=$(realpath "$out") timeout 3000 "$bin" "$work/data" >"$out/e2e.log" 2>&1 || true
grep '^e2e' "$out/e2e.log"
echo "e2e took $(( $(date +%s) - start )) s; screenshots in $out"
grep -q '^e2e ok' "$out/e2e.log"
