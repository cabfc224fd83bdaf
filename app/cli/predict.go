package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/runs"
	"github.com/labelloop/labelloop/voc"
)

// detectionRecord is one line of detections.jsonl.
type detectionRecord struct {
	File    string     `json:"file"`
	Frame   int        `json:"frame"`
	Class   string     `json:"class"`
	ClassID int        `json:"class_id"`
	Score   float32    `json:"score"`
	Box     [4]float64 `json:"box"` // x1, y1, x2, y2 in original pixels
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	mf := addModelFlags(fs, float64(inference.DisplayThresholds.Conf), inference.DisplayThresholds.NMS)
	workers := fs.Int("workers", runtime.NumCPU(), "images processed at once")
	project := fs.String("project", "runs", "where run folders go")
	format := fs.String("format", "jsonl", "detections file format: jsonl or csv")
	noSave := fs.Bool("no-save", false, "do not write annotated images")
	asJSON := fs.Bool("json", false, "print a JSON summary")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: labelloop predict --model M [options] IMAGE|FOLDER|VIDEO|/dev/videoN ...")
		fs.PrintDefaults()
	}
	pos, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageError(stderr, fs, "give at least one image, folder or video")
	}
	if *format != "jsonl" && *format != "csv" {
		return usageError(stderr, fs, "--format must be jsonl or csv")
	}
	det, err := mf.load()
	if err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitFindings
	}
	defer det.Close()
	var images, videos []string
	for _, p := range pos {
		switch fi, err := os.Stat(p); {
		case err != nil:
			fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
			return ExitUsage
		case fi.IsDir():
			found, err := listImages(p)
			if err != nil {
				fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
				return ExitUsage
			}
			images = append(images, found...)
		case isVideo(p):
			videos = append(videos, p)
		default:
			images = append(images, p)
		}
	}
	out, err := runs.Next(*project, "predict")
	if err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitFindings
	}
	start := time.Now()
	recs, failed, tm := predictImages(det, images, mf.thresholds(), *workers, out, !*noSave, stderr)
	for _, v := range videos {
		vr, err := predictVideo(det, v, mf.thresholds(), out, !*noSave, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "labelloop predict: %s: %v\n", v, err)
			failed++
		}
		recs = append(recs, vr...)
	}
	if err := writeDetections(filepath.Join(out, "detections."+*format), recs, *format); err != nil {
		fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
		return ExitFindings
	}
	elapsed := time.Since(start)
	n := len(images) - failed
	if *asJSON {
		json.NewEncoder(stdout).Encode(map[string]any{"run": out, "images": len(images), "videos": len(videos), "failed": failed,
			"detections": len(recs), "seconds": elapsed.Seconds(), "pre_ms": ms(tm.Pre, n), "net_ms": ms(tm.Net, n), "post_ms": ms(tm.Post, n)})
	} else {
		fmt.Fprintf(stdout, "%d images, %d videos, %d detections in %.1fs -> %s\n", len(images), len(videos), len(recs), elapsed.Seconds(), out)
		if n > 0 {
			fmt.Fprintf(stdout, "per image: pre %.1f ms, network %.1f ms, post %.1f ms\n", ms(tm.Pre, n), ms(tm.Net, n), ms(tm.Post, n))
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "%d inputs failed (see above); the rest were processed\n", failed)
		return ExitFindings
	}
	return ExitOK
}

func ms(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond) / float64(n)
}

func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && voc.ExtFormat(filepath.Ext(e.Name())) != "" && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// predictImages runs images on several workers; results keep input order.
func predictImages(det *inference.Detector, images []string, t inference.Thresholds, workers int, out string, save bool, stderr io.Writer) ([]detectionRecord, int, inference.Timing) {
	results := make([][]detectionRecord, len(images))
	var failed atomic.Int32
	var mu sync.Mutex
	var total inference.Timing
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(images); i = int(next.Add(1) - 1) {
				path := images[i]
				pic, dets, tm, err := det.DetectFile(path, t)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					fmt.Fprintf(stderr, "labelloop predict: %s: %v\n", path, err)
					mu.Unlock()
					continue
				}
				mu.Lock()
				total.Pre, total.Net, total.Post = total.Pre+tm.Pre, total.Net+tm.Net, total.Post+tm.Post
				mu.Unlock()
				results[i] = records(path, 0, dets, det.Info.Classes)
				if save {
					var buf bytes.Buffer
					jpeg.Encode(&buf, inference.Annotate(pic.Img, pic.W, pic.H, dets, det.Info.Classes), &jpeg.Options{Quality: 90})
					name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".jpg"
					if err := voc.WriteFileAtomic(filepath.Join(out, name), buf.Bytes(), 0o644); err != nil {
						failed.Add(1)
						fmt.Fprintf(stderr, "labelloop predict: %v\n", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	var recs []detectionRecord
	for _, r := range results {
		recs = append(recs, r...)
	}
	return recs, int(failed.Load()), total
}

func records(file string, frame int, dets []inference.Detection, classes []string) []detectionRecord {
	var out []detectionRecord
	for _, d := range dets {
		out = append(out, detectionRecord{File: file, Frame: frame, Class: classes[d.Class], ClassID: d.Class, Score: d.Score,
			Box: [4]float64{round2(d.Box.Xmin), round2(d.Box.Ymin), round2(d.Box.Xmax), round2(d.Box.Ymax)}})
	}
	return out
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func writeDetections(path string, recs []detectionRecord, format string) error {
	var buf bytes.Buffer
	if format == "csv" {
		w := csv.NewWriter(&buf)
		w.Write([]string{"file", "frame", "class", "class_id", "score", "x1", "y1", "x2", "y2"})
		for _, r := range recs {
			w.Write([]string{r.File, fmt.Sprint(r.Frame), r.Class, fmt.Sprint(r.ClassID), fmt.Sprintf("%.4f", r.Score),
				fmt.Sprint(r.Box[0]), fmt.Sprint(r.Box[1]), fmt.Sprint(r.Box[2]), fmt.Sprint(r.Box[3])})
		}
		w.Flush()
	} else {
		enc := json.NewEncoder(&buf)
		for _, r := range recs {
			enc.Encode(r)
		}
	}
	return voc.WriteFileAtomic(path, buf.Bytes(), 0o644)
}
