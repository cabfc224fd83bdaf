package detect

import (
	"math"
	"sort"
	"time"

	"github.com/labelloop/labelloop/voc"
)

// GroundTruth is one labelled box of an evaluated image.
type GroundTruth struct {
	Class     int
	Box       voc.Box
	Difficult bool
}

// EvalImage pairs an image's detections with its ground truth.
type EvalImage struct {
	Dets  []Detection
	Truth []GroundTruth
	Net   time.Duration // the network's time on it (0: not measured)
}

// ClassAP is one class's result.
type ClassAP struct {
	Class     int     `json:"class"`
	Name      string  `json:"name"`
	Truths    int     `json:"ground_truth"` // non-difficult boxes
	AP50      float64 `json:"ap50"`         // NaN when the class has no ground truth
	AP5095    float64 `json:"ap50_95"`
	Precision float64 `json:"precision"` // at the display threshold, IoU 0.5
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Metrics is an evaluation's result. Classes without ground truth are
// listed but left out of the means (their AP is undefined).
type Metrics struct {
	MAP50     float64   `json:"map50"`
	MAP5095   float64   `json:"map50_95"`
	Precision float64   `json:"precision"`
	Recall    float64   `json:"recall"`
	F1        float64   `json:"f1"`
	Classes   []ClassAP `json:"classes"`
	Images    int       `json:"images"`
}

// vocIoU is the VOC devkit's overlap, with inclusive pixel coordinates
// (+1), as the reference's mAP code computes it.
func vocIoU(a, b voc.Box) float64 {
	iw := math.Min(a.Xmax, b.Xmax) - math.Max(a.Xmin, b.Xmin) + 1
	ih := math.Min(a.Ymax, b.Ymax) - math.Max(a.Ymin, b.Ymin) + 1
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	ua := (a.Xmax-a.Xmin+1)*(a.Ymax-a.Ymin+1) + (b.Xmax-b.Xmin+1)*(b.Ymax-b.Ymin+1) - inter
	return inter / ua
}

type scored struct {
	img   int
	score float32
	box   voc.Box
}

// match walks one class's detections in score order (ties keep input
// order) and marks each TP, FP or ignored (matched a difficult box).
func match(dets []scored, truth [][]GroundTruth, class int, thr float64, iou func(a, b voc.Box) float64) (tp, fp []bool) {
	used := make([][]bool, len(truth))
	for i := range truth {
		used[i] = make([]bool, len(truth[i]))
	}
	tp, fp = make([]bool, len(dets)), make([]bool, len(dets))
	for k, d := range dets {
		best, bestIoU := -1, 0.0
		for j, g := range truth[d.img] {
			if g.Class != class {
				continue
			}
			if o := iou(d.box, g.Box); o > bestIoU {
				best, bestIoU = j, o
			}
		}
		switch {
		case best < 0 || bestIoU < thr:
			fp[k] = true
		case truth[d.img][best].Difficult: // neither right nor wrong
		case !used[d.img][best]:
			used[d.img][best], tp[k] = true, true
		default:
			fp[k] = true
		}
	}
	return tp, fp
}

// apAllPoint is VOC2010+ AP: the area under the precision envelope.
func apAllPoint(tp, fp []bool, npos int) float64 {
	rec, prec := curve(tp, fp, npos)
	mrec := append(append([]float64{0}, rec...), 1)
	mpre := append(append([]float64{0}, prec...), 0)
	for i := len(mpre) - 2; i >= 0; i-- {
		mpre[i] = math.Max(mpre[i], mpre[i+1])
	}
	ap := 0.0
	for i := 1; i < len(mrec); i++ {
		if mrec[i] != mrec[i-1] {
			ap += (mrec[i] - mrec[i-1]) * mpre[i]
		}
	}
	return ap
}

// ap101 is COCO's 101-point interpolated AP.
func ap101(tp, fp []bool, npos int) float64 {
	rec, prec := curve(tp, fp, npos)
	for i := len(prec) - 2; i >= 0; i-- {
		prec[i] = math.Max(prec[i], prec[i+1])
	}
	sum := 0.0
	for k := 0; k <= 100; k++ {
		r := float64(k) / 100
		i := sort.SearchFloat64s(rec, r)
		if i < len(prec) {
			sum += prec[i]
		}
	}
	return sum / 101
}

// curve is cumulative recall and precision; ignored detections count as
// neither.
func curve(tp, fp []bool, npos int) (rec, prec []float64) {
	ctp, cfp := 0, 0
	for k := range tp {
		if !tp[k] && !fp[k] {
			continue
		}
		if tp[k] {
			ctp++
		} else {
			cfp++
		}
		rec = append(rec, float64(ctp)/float64(npos))
		prec = append(prec, float64(ctp)/float64(ctp+cfp))
	}
	return rec, prec
}

// Evaluate computes mAP@0.5 (VOC all-point), mAP@0.5:0.95 (COCO-style)
// and precision, recall and F1 of detections scoring at least displayConf.
func Evaluate(images []EvalImage, classes []string, displayConf float32) Metrics {
	m := Metrics{Images: len(images)}
	truth := make([][]GroundTruth, len(images))
	for i, im := range images {
		truth[i] = im.Truth
	}
	var sumAP, sumAP95 float64
	counted := 0
	var allTP, allFP, allPos int
	for c, name := range classes {
		var dets []scored
		npos := 0
		for i, im := range images {
			for _, d := range im.Dets {
				if d.Class == c {
					dets = append(dets, scored{i, d.Score, d.Box})
				}
			}
			for _, g := range im.Truth {
				if g.Class == c && !g.Difficult {
					npos++
				}
			}
		}
		sort.SliceStable(dets, func(a, b int) bool { return dets[a].score > dets[b].score })
		res := ClassAP{Class: c, Name: name, Truths: npos, AP50: math.NaN(), AP5095: math.NaN()}
		tp, fp := match(dets, truth, c, 0.5, vocIoU)
		// precision and recall at the display threshold
		ntp, nfp := 0, 0
		for k, d := range dets {
			if d.score >= displayConf {
				if tp[k] {
					ntp++
				} else if fp[k] {
					nfp++
				}
			}
		}
		allTP, allFP, allPos = allTP+ntp, allFP+nfp, allPos+npos
		res.Precision, res.Recall, res.F1 = prf(ntp, nfp, npos)
		if npos > 0 {
			res.AP50 = apAllPoint(tp, fp, npos)
			s := 0.0
			for t := 0; t < 10; t++ {
				tp2, fp2 := match(dets, truth, c, 0.5+0.05*float64(t), voc.Box.IoU)
				s += ap101(tp2, fp2, npos)
			}
			res.AP5095 = s / 10
			sumAP += res.AP50
			sumAP95 += res.AP5095
			counted++
		}
		m.Classes = append(m.Classes, res)
	}
	if counted > 0 {
		m.MAP50, m.MAP5095 = sumAP/float64(counted), sumAP95/float64(counted)
	}
	m.Precision, m.Recall, m.F1 = prf(allTP, allFP, allPos)
	return m
}

func prf(tp, fp, npos int) (p, r, f1 float64) {
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if npos > 0 {
		r = float64(tp) / float64(npos)
	}
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}
