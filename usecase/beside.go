package usecase

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/voc"
)

// TimedInTurn is how many pictures time the models of a comparison.
const TimedInTurn = 15

// TimeInTurn is each model's median network time over the same pictures,
// run one at a time and in turn (which goes first alternates), so that
// all meet the same load: timed in the accuracy pass, one model after the
// other with the pictures in parallel, the load of the moment decided
// which looked faster.
func TimeInTurn(dets []*inference.Detector, items []voc.Item) []time.Duration {
	step := max(1, len(items)/TimedInTurn)
	times := make([][]time.Duration, len(dets))
	for k, i := 0, 0; i < len(items) && k < TimedInTurn; k, i = k+1, i+step {
		for j := range dets {
			d := (j + k) % len(dets)
			if _, _, tm, err := dets[d].DetectFile(items[i].Image, detect.MAPThresholds); err == nil {
				times[d] = append(times[d], tm.Net)
			}
		}
	}
	med := make([]time.Duration, len(dets))
	for d, t := range times {
		if len(t) > 0 {
			slices.Sort(t)
			med[d] = t[len(t)/2]
		}
	}
	return med
}

// tradeOff is the line a person decides by: how much faster the
// quantized model (else the second) is than the other, and what that
// costs in mAP.
func (c Comparison) tradeOff(w io.Writer) {
	if len(c.Models) != 2 || len(c.Net) != 2 || c.Net[0] <= 0 || c.Net[1] <= 0 {
		return
	}
	a, b := 1, 0
	if c.Models[0].Model.Quantization != "" && c.Models[1].Model.Quantization == "" {
		a, b = 0, 1
	}
	name := func(i int) string {
		if q := c.Models[i].Model.Quantization; q != "" {
			return q
		}
		return "float"
	}
	ma, mb := c.Models[a].Metrics, c.Models[b].Metrics
	fmt.Fprintf(w, "%s runs the network %.2fx as fast as %s; mAP@0.5 %+.1f points, mAP@0.5:0.95 %+.1f points\n",
		name(a), float64(c.Net[b])/float64(c.Net[a]), name(b), 100*(ma.MAP50-mb.MAP50), 100*(ma.MAP5095-mb.MAP5095))
}
