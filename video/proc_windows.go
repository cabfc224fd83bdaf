package video

import (
	"os/exec"
	"syscall"
)

// ownGroup: see proc_unix.go; a new process group ignores the console's
// Ctrl+C.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
