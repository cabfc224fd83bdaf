package voc

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Summary describes a dataset's content.
type Summary struct {
	Images        int          `json:"images"`
	Labelled      int          `json:"labelled"`   // images with an annotation that parses
	Unlabelled    int          `json:"unlabelled"` // images with no annotation file
	Annotations   int          `json:"annotations"`
	Verified      int          `json:"verified"`
	Boxes         int          `json:"boxes"`
	Difficult     int          `json:"difficult"`
	Classes       []ClassStat  `json:"classes"`
	BoxesPerImage Distribution `json:"boxes_per_image"`
	// BoxSize buckets boxes by sqrt(area) in image pixels (COCO's small,
	// medium, large split at 32 and 96).
	BoxSize []Bucket `json:"box_size"`
	// BoxAspect buckets boxes by width / height.
	BoxAspect  []Bucket     `json:"box_aspect"`
	BoxWidth   Distribution `json:"box_width"`
	BoxHeight  Distribution `json:"box_height"`
	ImageSizes []SizeCount  `json:"image_sizes"` // most common first
}

// ClassStat counts one class.
type ClassStat struct {
	Name   string `json:"name"`
	Boxes  int    `json:"boxes"`
	Images int    `json:"images"`
}

// Distribution is a summary of a set of numbers.
type Distribution struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	P95    float64 `json:"p95"`
	Max    float64 `json:"max"`
}

// Bucket is a labelled count.
type Bucket struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// SizeCount counts images of one size.
type SizeCount struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	Count  int `json:"count"`
}

func distribution(v []float64) Distribution {
	if len(v) == 0 {
		return Distribution{}
	}
	sort.Float64s(v)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	q := func(p float64) float64 { return v[int(math.Round(p*float64(len(v)-1)))] }
	return Distribution{Min: v[0], Median: q(0.5), Mean: sum / float64(len(v)), P95: q(0.95), Max: v[len(v)-1]}
}

func summarize(ds *Dataset, results []itemResult, classes []string) Summary {
	var s Summary
	idx := make(map[string]int, len(classes))
	s.Classes = make([]ClassStat, len(classes))
	for i, c := range classes {
		idx[c] = i
		s.Classes[i].Name = c
	}
	sizeLabels := []string{"small (<32 px)", "medium (32-96 px)", "large (>96 px)"}
	aspectLabels := []string{"tall (<1:3)", "portrait (1:3-2:3)", "square-ish (2:3-3:2)", "landscape (3:2-3:1)", "wide (>3:1)"}
	sizeCounts := make([]int, 3)
	aspectCounts := make([]int, 5)
	var perImage, widths, heights []float64
	sizes := map[[2]int]int{}
	for i, it := range ds.Items {
		r := results[i]
		if it.Image != "" {
			s.Images++
			if it.XML == "" {
				s.Unlabelled++
			}
		}
		if r.hasImg {
			sizes[[2]int{r.info.Width, r.info.Height}]++
		}
		if it.XML != "" {
			s.Annotations++
		}
		a := r.ann
		if a == nil {
			continue
		}
		if it.Image != "" {
			s.Labelled++
		}
		if a.Verified {
			s.Verified++
		}
		perImage = append(perImage, float64(len(a.Objects)))
		seen := map[int]bool{}
		for _, o := range a.Objects {
			s.Boxes++
			if o.Difficult {
				s.Difficult++
			}
			c := idx[o.Name]
			s.Classes[c].Boxes++
			if !seen[c] {
				seen[c] = true
				s.Classes[c].Images++
			}
			w, h := o.Box.W(), o.Box.H()
			if w <= 0 || h <= 0 {
				continue
			}
			widths, heights = append(widths, w), append(heights, h)
			switch side := math.Sqrt(w * h); {
			case side < 32:
				sizeCounts[0]++
			case side < 96:
				sizeCounts[1]++
			default:
				sizeCounts[2]++
			}
			switch ar := w / h; {
			case ar < 1.0/3:
				aspectCounts[0]++
			case ar < 2.0/3:
				aspectCounts[1]++
			case ar <= 1.5:
				aspectCounts[2]++
			case ar <= 3:
				aspectCounts[3]++
			default:
				aspectCounts[4]++
			}
		}
	}
	for i, l := range sizeLabels {
		s.BoxSize = append(s.BoxSize, Bucket{l, sizeCounts[i]})
	}
	for i, l := range aspectLabels {
		s.BoxAspect = append(s.BoxAspect, Bucket{l, aspectCounts[i]})
	}
	s.BoxesPerImage = distribution(perImage)
	s.BoxWidth = distribution(widths)
	s.BoxHeight = distribution(heights)
	for k, n := range sizes {
		s.ImageSizes = append(s.ImageSizes, SizeCount{k[0], k[1], n})
	}
	sort.Slice(s.ImageSizes, func(i, j int) bool {
		a, b := s.ImageSizes[i], s.ImageSizes[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Width*a.Height > b.Width*b.Height
	})
	return s
}

// WriteText prints the report for people: findings first, then the summary.
func (r *Report) WriteText(w io.Writer, maxIssues int) {
	for i, is := range r.Issues {
		if maxIssues > 0 && i == maxIssues {
			fmt.Fprintf(w, "... and %d more (use --json or --max-issues 0 for all)\n", len(r.Issues)-maxIssues)
			break
		}
		fmt.Fprintln(w, is)
	}
	if len(r.Issues) > 0 {
		fmt.Fprintln(w)
	}
	s := r.Summary
	fmt.Fprintf(w, "Dataset %s (%s layout)\n", r.Root, r.Layout)
	fmt.Fprintf(w, "  images %d: %d labelled, %d unlabelled; %d annotation files, %d verified\n",
		s.Images, s.Labelled, s.Unlabelled, s.Annotations, s.Verified)
	fmt.Fprintf(w, "  boxes %d (%d difficult); per image min %g, median %g, mean %.2f, max %g\n",
		s.Boxes, s.Difficult, s.BoxesPerImage.Min, s.BoxesPerImage.Median, s.BoxesPerImage.Mean, s.BoxesPerImage.Max)
	src := "derived from the annotations (no classes.txt)"
	if r.ClassesFile != "" {
		src = "from " + r.ClassesFile
	}
	fmt.Fprintf(w, "  classes %d, %s:\n", len(s.Classes), src)
	for i, c := range s.Classes {
		fmt.Fprintf(w, "    %3d %-20s %6d boxes in %5d images\n", i, c.Name, c.Boxes, c.Images)
	}
	fmt.Fprintf(w, "  box width px: min %.0f, median %.0f, p95 %.0f, max %.0f; height: min %.0f, median %.0f, p95 %.0f, max %.0f\n",
		s.BoxWidth.Min, s.BoxWidth.Median, s.BoxWidth.P95, s.BoxWidth.Max, s.BoxHeight.Min, s.BoxHeight.Median, s.BoxHeight.P95, s.BoxHeight.Max)
	fmt.Fprintf(w, "  box size: %s\n", joinBuckets(s.BoxSize))
	fmt.Fprintf(w, "  box aspect: %s\n", joinBuckets(s.BoxAspect))
	var sizes []string
	for i, sc := range s.ImageSizes {
		if i == 5 {
			sizes = append(sizes, fmt.Sprintf("%d other sizes", len(s.ImageSizes)-5))
			break
		}
		sizes = append(sizes, fmt.Sprintf("%dx%d ×%d", sc.Width, sc.Height, sc.Count))
	}
	fmt.Fprintf(w, "  image sizes: %s\n", strings.Join(sizes, ", "))
	fmt.Fprintf(w, "%d errors, %d warnings\n", r.Errors(), r.Warnings())
}

func joinBuckets(b []Bucket) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%s %d", x.Label, x.Count)
	}
	return strings.Join(parts, ", ")
}
