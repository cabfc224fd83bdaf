package training

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// WH is a box's width and height, as a fraction of its image.
type WH struct{ W, H float64 }

// whIoU is the IoU of two boxes sharing a corner: the distance k-means
// and anchor assignment use.
func whIoU(a, b WH) float64 {
	inter := min(a.W, b.W) * min(a.H, b.H)
	union := a.W*a.H + b.W*b.H - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// KMeansAnchors clusters box sizes into 9 anchors (in pixels of a
// size×size input, sorted by area, smallest first) as the reference's
// kmeans_for_anchors does (distance 1 − IoU, centres moved to their
// members' median until nothing changes), but seeded k-means++-style and
// restarted a few times, keeping the best: the reference's random seeding
// often settles with two centres on one size. It also returns the mean
// best IoU of the boxes with the anchors.
func KMeansAnchors(boxes []WH, size int, seed uint64) ([9][2]float64, float64, error) {
	var out [9][2]float64
	if len(boxes) < 9 {
		return out, 0, fmt.Errorf("%d boxes: need at least 9 to choose 9 anchors", len(boxes))
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	bestIoU := -1.0
	for restart := 0; restart < 5; restart++ {
		a, iou := kmeansOnce(boxes, size, rng)
		if iou > bestIoU {
			out, bestIoU = a, iou
		}
	}
	return out, bestIoU, nil
}

func kmeansOnce(boxes []WH, size int, rng *rand.Rand) ([9][2]float64, float64) {
	var out [9][2]float64
	const k = 9
	// k-means++: each next centre is drawn with probability ∝ distance²
	centres := []WH{boxes[rng.IntN(len(boxes))]}
	dist := make([]float64, len(boxes))
	for len(centres) < k {
		total := 0.0
		for i, b := range boxes {
			d := 1.0
			for _, c := range centres {
				d = min(d, 1-whIoU(b, c))
			}
			dist[i] = d * d
			total += dist[i]
		}
		r := rng.Float64() * total
		pick := len(boxes) - 1
		for i, d := range dist {
			if r -= d; r <= 0 {
				pick = i
				break
			}
		}
		centres = append(centres, boxes[pick])
	}
	near := make([]int, len(boxes))
	for iter := 0; iter < 1000; iter++ {
		changed := false
		for i, b := range boxes {
			best, bestD := 0, 2.0
			for j, c := range centres {
				if d := 1 - whIoU(b, c); d < bestD {
					best, bestD = j, d
				}
			}
			if near[i] != best || iter == 0 {
				changed = changed || near[i] != best
				near[i] = best
			}
		}
		if !changed && iter > 0 {
			break
		}
		for j := range centres {
			var ws, hs []float64
			for i, b := range boxes {
				if near[i] == j {
					ws, hs = append(ws, b.W), append(hs, b.H)
				}
			}
			if len(ws) == 0 { // an empty cluster restarts on a random box
				centres[j] = boxes[rng.IntN(len(boxes))]
				continue
			}
			centres[j] = WH{median(ws), median(hs)}
		}
	}
	sort.Slice(centres, func(a, b int) bool { return centres[a].W*centres[a].H < centres[b].W*centres[b].H })
	for j, c := range centres {
		out[j] = [2]float64{c.W * float64(size), c.H * float64(size)}
	}
	sum := 0.0
	for _, b := range boxes {
		best := 0.0
		for _, c := range centres {
			best = max(best, whIoU(b, c))
		}
		sum += best
	}
	return out, sum / float64(len(boxes))
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
