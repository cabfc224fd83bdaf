// Package quietlocale gives Fyne a locale it can parse. Under LANG=C (the
// default on servers and in CI) Fyne logs "Error parsing user locale C"
// from its package init, on every command, even headless ones. Imported
// by main, this package initialises before Fyne's (Go initialises ready
// packages in import-path order) and maps the C locale to en_US.
package quietlocale

import (
	"os"
	"strings"
)

func init() {
	for _, k := range []string{"LC_ALL", "LANG"} {
		v := os.Getenv(k)
		if v == "" && k == "LC_ALL" {
			continue
		}
		if isC(v) {
			os.Setenv(k, "en_US.UTF-8")
		}
		return
	}
}

func isC(v string) bool {
	v = strings.SplitN(v, ".", 2)[0]
	return v == "" || v == "C" || v == "POSIX"
}
