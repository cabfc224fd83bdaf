package cli

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/voc"
)

// besideTimed is how many pictures time the two models of eval --beside.
const besideTimed = 15

// timeBeside is each model's median network time over the same pictures,
// run one at a time and in turn (which goes first alternates), so that
// both meet the same load: timed in the accuracy pass, one model after
// the other with the images in parallel, the load of the moment decided
// which looked faster.
func timeBeside(dets []*inference.Detector, items []voc.Item) []time.Duration {
	step := max(1, len(items)/besideTimed)
	times := make([][]time.Duration, len(dets))
	for k, i := 0, 0; i < len(items) && k < besideTimed; k, i = k+1, i+step {
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

// printTradeOff is the line a person decides by: how much faster the
// quantized model (else the second) is than the other, and what that
// costs in mAP.
func printTradeOff(w io.Writer, dets []*inference.Detector, ms []detect.Metrics, net []time.Duration) {
	if len(dets) != 2 || net[0] <= 0 || net[1] <= 0 {
		return
	}
	a, b := 1, 0
	if dets[0].Info.Quantization != "" && dets[1].Info.Quantization == "" {
		a, b = 0, 1
	}
	name := func(i int) string {
		if q := dets[i].Info.Quantization; q != "" {
			return q
		}
		return "float"
	}
	fmt.Fprintf(w, "%s runs the network %.2fx as fast as %s; mAP@0.5 %+.1f points, mAP@0.5:0.95 %+.1f points\n",
		name(a), float64(net[b])/float64(net[a]), name(b), 100*(ms[a].MAP50-ms[b].MAP50), 100*(ms[a].MAP5095-ms[b].MAP5095))
}
