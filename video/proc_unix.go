//go:build unix

package video

import (
	"os/exec"
	"syscall"
)

// ownGroup puts an ffmpeg child in a process group of its own, so that
// Ctrl+C in a terminal reaches only labelloop, which then closes the
// encoder properly (a playable file with the frames so far) instead of
// both children stopping under it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
