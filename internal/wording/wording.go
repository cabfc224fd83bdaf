// Package wording holds the small rules of the words the app shows.
package wording

import "strconv"

// Count is "1 box" or "3 boxes": n and the noun that fits it.
func Count(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}
