# LabelLoop build. `make setup` installs everything a fresh Debian/Ubuntu
# machine needs and is safe to run again; `make test` and `make run` run it
# first, so each is the one command a new user types.

SHELL := /bin/bash
GO    ?= go
SUDO  := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# System packages: cgo toolchain, Fyne's X11/GL headers, ffmpeg for video,
# Xvfb + Mesa + xdotool for headless window tests and screenshots, npm to
# fetch ONNX Runtime (only when no npm is on PATH: a NodeSource nodejs
# conflicts with Debian's npm), python3 for the baseline benchmarks.
APT_PACKAGES := gcc g++ libtorch-dev pkg-config libgl1-mesa-dev libegl1-mesa-dev xorg-dev libxkbcommon-dev \
	libgl1-mesa-dri libjpeg-dev ffmpeg xvfb xdotool x11-apps imagemagick python3 ca-certificates

# ONNX Runtime: the shared library shipped inside the npm package
# onnxruntime-node, fetched with `npm pack` (no install scripts run) and
# checked against a pinned hash.
ORT_VERSION    := 1.24.3
ORT_TGZ_SHA256 := aa1bb5fa261ea68de05dd53efbba210cd7adf2d2850f4c3a201054c74cc78040
ORT_DIR        := third_party/onnxruntime-$(ORT_VERSION)
ORT_LIB        := $(ORT_DIR)/linux-x64/libonnxruntime.so.1

# gotch v0.7.0 against Debian's libtorch 1.13.1: a header shim first on the
# include path (training/libtorch/include/torch/script.h) and empty stand-ins
# for the CUDA libraries gotch's cgo directives name; --as-needed drops them,
# so binaries need only libtorch_cpu and libc10. Every go command here gets
# these flags; only packages that import training/ use them.
LIBTORCH_SHIM := $(CURDIR)/training/libtorch
TORCH_STUBS   := $(LIBTORCH_SHIM)/stubs
export CGO_CXXFLAGS := -I$(LIBTORCH_SHIM)/include -I/usr/include/torch/csrc/api/include
export CGO_LDFLAGS  := -L$(TORCH_STUBS) -Wl,--as-needed
export OMP_WAIT_POLICY := passive

BIN := bin
PURE_PKGS := ./voc/... ./app/cli/... ./annotate/... ./internal/synth/... ./internal/runs/... ./training/protocol/... ./training/worker/... ./internal/atomicfile/... ./internal/classname/... ./internal/lease/...

.PHONY: tools test-gui package-tools package-linux package-linux-test package-windows bench-learn test-fixture bench-deps setup apt-packages go-check ort build build-native run test bench lint fuzz soak clean demo screenshot

setup: apt-packages go-check $(ORT_LIB) $(TORCH_STUBS)/.done third_party/gotch/.done tools
	$(GO) mod download

# Lint tools from the Go module proxy at pinned versions, in a folder of the
# checkout (gitignored) so they never touch the user's GOPATH; a stamp per
# version makes a version bump reinstall and a rerun do nothing.
TOOLS               := $(CURDIR)/.tools
STATICCHECK_VERSION := v0.8.2
GOCYCLO_VERSION     := v0.6.0
MAX_COMPLEXITY      := 30
tools: $(TOOLS)/.staticcheck-$(STATICCHECK_VERSION) $(TOOLS)/.gocyclo-$(GOCYCLO_VERSION)

$(TOOLS)/.staticcheck-$(STATICCHECK_VERSION):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	touch $@

$(TOOLS)/.gocyclo-$(GOCYCLO_VERSION):
	GOBIN=$(TOOLS) $(GO) install github.com/fzipp/gocyclo/cmd/gocyclo@$(GOCYCLO_VERSION)
	touch $@

# gotch with its per-op leak fixed (see the script), through go.mod's replace.
third_party/gotch/.done: training/libtorch/gotch-patch.sh
	sh training/libtorch/gotch-patch.sh third_party/gotch
	touch $@

$(TORCH_STUBS)/.done:
	mkdir -p $(TORCH_STUBS)
	for l in cuda cudart cublas cudnn caffe2_nvrtc nvrtc-builtins nvrtc nvToolsExt c10_cuda torch_cuda; do \
		gcc -shared -o $(TORCH_STUBS)/lib$$l.so -x c /dev/null; done
	touch $@

# go.mod asks for Go 1.24; any go from 1.21 on fetches that toolchain from
# the module proxy by itself. Older ones (Debian 12's 1.19) cannot.
go-check:
	@command -v $(GO) >/dev/null || { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q golang-go; }
	@v=$$($(GO) env GOVERSION 2>/dev/null | sed 's/^go//'); v=$${v:-0}; \
	if ! printf '1.21\n%s\n' "$$v" | sort -V -C; then \
		echo "LabelLoop needs Go 1.21 or newer on PATH (it then fetches Go 1.24 itself); found '$$v'."; \
		echo "Install Go from https://go.dev/dl or your distribution's backports, then run make again."; \
		exit 1; \
	fi

apt-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

ort: $(ORT_LIB)

$(ORT_LIB):
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	( cd "$$tmp" && npm pack --silent --ignore-scripts onnxruntime-node@$(ORT_VERSION) >/dev/null ); \
	tgz="$$tmp/onnxruntime-node-$(ORT_VERSION).tgz"; \
	echo "$(ORT_TGZ_SHA256)  $$tgz" | sha256sum -c --quiet; \
	tar -xzf "$$tgz" -C "$$tmp" package/bin/napi-v6; \
	mkdir -p $(ORT_DIR); rm -rf $(ORT_DIR)/*; \
	cp -r "$$tmp/package/bin/napi-v6/linux/x64" $(ORT_DIR)/linux-x64; \
	cp -r "$$tmp/package/bin/napi-v6/win32/x64" $(ORT_DIR)/win32-x64; \
	cp -r "$$tmp/package/bin/napi-v6/darwin/arm64" $(ORT_DIR)/darwin-arm64; \
	echo "ONNX Runtime $(ORT_VERSION) in $(ORT_DIR)"

build: setup
	$(GO) build -o $(BIN)/labelloop .
	$(GO) build -o $(BIN)/labelloop-train ./cmd/labelloop-train

# The system's own folder picker (GTK on Linux) instead of Fyne's.
build-native: setup
	@dpkg-query -W -f='$${Status}' libgtk-3-dev 2>/dev/null | grep -q "ok installed" || \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends libgtk-3-dev
	$(GO) build -tags native_dialog -o $(BIN)/labelloop .

# The demo dataset is generated (coloured shapes, VOC XML), never committed.
demo/.done:
	$(GO) run ./cmd/labelloop-demo demo
	touch $@

demo: demo/.done

run: setup build demo/.done
	./$(BIN)/labelloop demo

# Pure-Go packages under the race detector; the rest (cgo: Fyne) plainly.
test: setup
	$(GO) vet ./...
	$(GO) test -race -count=1 $(PURE_PKGS)
	$(GO) test -count=1 -timeout 25m $$($(GO) list ./... | grep -v -e /voc -e /app/cli -e /annotate -e /internal/synth -e /internal/runs -e /training/protocol -e /training/worker -e /internal/atomicfile -e /internal/classname -e /internal/lease -e /guitest)
	$(MAKE) test-gui

# The real-window suite: bin/labelloop as users get it, on an Xvfb display
# of its own, driven by X key and pointer events; screenshots of what it
# checked land in screenshots/gui/ for a person to look at.
test-gui: build
	LABELLOOP_GUI=1 $(GO) test -count=1 -timeout 20m -v ./guitest/ 2>&1 | grep -v -e '^=== ' ; exit $${PIPESTATUS[0]}

# The reference fixture: model/ through ONNX Runtime and through libtorch.
test-fixture: setup
	$(GO) test -count=1 -run 'Fixture|StateDict' -v ./model/ ./inference/ ./training/ | grep -E '^(=== RUN|--- |ok|FAIL|\s+fixture)'

# Every reader of files from outside, FUZZTIME each (`make fuzz FUZZTIME=10m`
# is the long run of BENCHMARKS.md); niced, one worker per target.
FUZZTIME ?= 60s
FUZZ_TARGETS := voc:FuzzParseXML voc:FuzzReadImageInfo voc:FuzzReadClasses \
	model:FuzzReadSafetensors model:FuzzReadSidecar inference:FuzzReadModelInfo \
	training/protocol:FuzzParseEvent model/pth:FuzzReadPth
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t#*:}; \
		echo "== $$fn (./$$pkg, $(FUZZTIME))"; \
		nice -n 10 $(GO) test -run XXX -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -parallel 1 ./$$pkg/ 2>&1 | \
			awk '/^fuzz: elapsed/ {last = $$0; next} {print} END {if (last != "") print last}'; \
		test $${PIPESTATUS[0]} -eq 0; done

# The kill campaign of BENCHMARKS.md: SIGKILLs at random moments of a tiny
# training run, each followed by --resume (SOAK_KILLS, 50), and kills in the
# middle of annotation saves (SOAK_SAVES, 1,000).
SOAK_KILLS ?= 50
SOAK_SAVES ?= 1000
soak: setup
	set -o pipefail; LABELLOOP_SOAK=1 LABELLOOP_SOAK_KILLS=$(SOAK_KILLS) nice -n 10 $(GO) test -count=1 -timeout 3600s -run 'TestSoakKillResume' -v ./cmd/labelloop-train/ | grep -E '^(---|ok|FAIL|\s+soak_test)'
	set -o pipefail; LABELLOOP_SOAK_SAVES=$(SOAK_SAVES) nice -n 10 $(GO) test -count=1 -timeout 3600s -run 'TestKillDuringSave' -v ./voc/ | grep -E '^(---|ok|FAIL|\s+atomic_test)'

# Baselines for the benchmarks: Debian's PyTorch 1.13.1, NumPy and Pillow
# (large, so only `make bench` installs them).
BENCH_PACKAGES := python3-torch python3-numpy python3-pil
bench-deps:
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; fi

# A briefly trained detector for the inference bench (MobileNetV2 at 416,
# 60 steps on the demo shapes): its outputs look like a trained model's
# (a few boxes pass 0.5), unlike the fixture formula's thousands.
BENCH_CK := .bench/train-1/weights/last.safetensors
$(BENCH_CK): | build demo/.done
	rm -rf .bench && mkdir -p .bench && cp -r demo .bench/data && ./$(BIN)/labelloop split .bench/data >/dev/null
	printf '{"dataset":"%s/.bench/data","backbone":"mobilenetv2","input_size":416,"epochs":100,"batch":4,"max_steps":60,"lr":0.003,"augment":"flip","project":"%s/.bench"}' \
		$(CURDIR) $(CURDIR) > .bench/run.json
	./$(BIN)/labelloop-train train --config .bench/run.json > .bench/train.log

# Benchmarks report ratios against a baseline measured in the same run;
# packages run one at a time (-p 1): two benches side by side on 2 cores
# measured each other (check with 2 workers ran as slow as with 1).
# The int8 accuracy bench trains its own detector with the worker on its
# first run (about 15 minutes; kept in .bench/int8).
bench: setup bench-deps $(BENCH_CK)
	set -o pipefail; LABELLOOP_BENCH=1 LABELLOOP_BENCH_TRAINED=$(CURDIR)/$(BENCH_CK) $(GO) test -p 1 -count=1 -timeout 3600s -run 'TestBench' -v ./voc/ ./ui/ ./internal/imgload/ ./app/cli/ ./training/ ./model/pth/ | grep -v -e '^=== RUN' -e 'Fyne error' -e 'Cause:' -e 'At:'
	$(GO) test -run XXX -bench 'ParseXML|ScanAnnotation|ReadSmallFiles' -benchmem ./voc/
	$(GO) test -run XXX -bench 'DrawOnYUV' -benchmem ./detect/
	set -o pipefail; LABELLOOP_GUI=1 LABELLOOP_BENCH=1 $(GO) test -count=1 -run TestBenchNextImageLatency -v ./guitest/ | grep -e 'latency' -e '^---' -e '^ok' -e FAIL
	$(MAKE) bench-learn

# The learning figure: minutes to mAP@0.5 >= 0.5 from scratch for two seeds
# (900-step cap); the suite runs seed 0 with a 432-step cap.
bench-learn: setup
	LABELLOOP_LONG=1 $(GO) test -count=1 -timeout 3600s -run 'TestLearnsToHalfMAP|TestMemoryFlat' -v ./training/ | grep -E -e '^(---|ok|FAIL)' -e '_test.go'

# The real window under Xvfb + Mesa: draws a box with xdotool, saves PNGs in
# screenshots/; then the whole loop (split, train with the real worker,
# export, predict, pre-label) in the e2e build, one screenshot per step. It works on a copy of the raccoon sample set when
# ../shared/data/raccoon exists (never on the original), else the demo set.
SAMPLE := ../shared/data/raccoon
screenshot: build demo/.done
	@rm -rf screenshots/data; mkdir -p screenshots; \
	if [ -d $(SAMPLE) ]; then cp -r $(SAMPLE) screenshots/data && chmod -R u+w screenshots/data; class=racc; \
	else cp -r demo screenshots/data; class=circ; fi; \
	scripts/screenshot.sh ./$(BIN)/labelloop screenshots/data screenshots $$class
	$(GO) build -tags e2e -o $(BIN)/labelloop-e2e .
	scripts/e2e.sh ./$(BIN)/labelloop-e2e demo screenshots

# Installers. Linux: a .tar.xz (fyne package) and two .debs (the app with
# ONNX Runtime; the training worker, which depends on libtorch1.13), then
# installed here with apt-get, started under Xvfb, and removed again.
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
FYNE := $(shell $(GO) env GOPATH)/bin/fyne
PACKAGE_TOOLS := dpkg-dev xz-utils p7zip-full bc gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis osslsigncode wine wine64

package-tools:
	@missing=$$(for p in $(PACKAGE_TOOLS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; fi
	@test -x $(FYNE) || $(GO) install fyne.io/tools/cmd/fyne@v1.7.4

package-linux: setup package-tools
	PATH="$$PATH:$$(dirname $(FYNE))" scripts/package-linux.sh $(VERSION) $(ORT_LIB) dist

package-linux-test: package-linux
	scripts/test-deb.sh dist $(VERSION)

# Windows: mingw-w64 cross build + NSIS installer (signed when SIGN_PFX is
# set), then checked: PE headers, imports, the installer's files, and under
# wine a silent install, check, predict and the Predict tab with the bundled
# onnxruntime.dll. `build` makes the worker and app that train and export
# the model those predict with.
package-windows: setup package-tools build
	PATH="$$PATH:$$(dirname $(FYNE))" scripts/package-windows.sh $(VERSION) $(ORT_DIR)/win32-x64 dist
	scripts/test-windows.sh dist $(VERSION)

# staticcheck with the e2e build tag, so it also reads the file the default
# build leaves out; gocyclo skips the generated protobuf code.
lint: setup
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/staticcheck -tags e2e ./...
	$(TOOLS)/gocyclo -over $(MAX_COMPLEXITY) -ignore '\.pb\.go$$' $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) demo screenshots
