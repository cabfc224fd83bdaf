// Package assets holds files built into the binaries.
package assets

import _ "embed"

// Icon is the app icon (drawn by gen_icon.go).
//
//go:embed icon.png
var Icon []byte
