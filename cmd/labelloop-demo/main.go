// Command labelloop-demo writes the demo dataset that `make run` opens:
// 60 labelled shape images and 20 unlabelled ones.
package main

import (
	"fmt"
	"os"

	"github.com/labelloop/labelloop/internal/synth"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: labelloop-demo DIR")
		os.Exit(2)
	}
	o := synth.Default(60)
	o.Width, o.Height = 320, 240
	o.Unlabelled = 20
	if err := synth.Generate(os.Args[1], o); err != nil {
		fmt.Fprintln(os.Stderr, "labelloop-demo:", err)
		os.Exit(1)
	}
}
