# Sourced by the scripts that need a virtual display: start_xvfb starts
# Xvfb on a free display number, waits until it answers, and exports
# DISPLAY (plus Mesa's software GL); it tries other numbers when one fails.
start_xvfb() {
	local n tries
	for tries in 1 2 3 4 5; do
		n=$((90 + RANDOM % 100))
		[ -e "/tmp/.X$n-lock" ] && continue
		Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
		xvfb=$!
		for _ in $(seq 1 100); do
			kill -0 "$xvfb" 2>/dev/null || break
			if DISPLAY=":$n" xdotool getdisplaygeometry >/dev/null 2>&1; then
				export DISPLAY=":$n" LIBGL_ALWAYS_SOFTWARE=1
				return 0
			fi
			sleep 0.1
		done
		kill "$xvfb" 2>/dev/null
	done
	echo "could not start Xvfb" >&2
	return 1
}
