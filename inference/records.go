package inference

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Record is one detection as saved in detections.jsonl (or .csv), the
// same from `labelloop predict` and from the Predict tab.
type Record struct {
	File string `json:"file"`
	// FileBase64 is the file name's exact bytes, base64 (standard, padded),
	// when they are not UTF-8: JSON strings are text, so "file" shows
	// U+FFFD for each bad byte and could not name the file on disk. CSV
	// keeps the bytes as they are.
	FileBase64 string     `json:"file_base64,omitempty"`
	Frame      int        `json:"frame"`
	Class      string     `json:"class"`
	ClassID    int        `json:"class_id"`
	Score      float32    `json:"score"`
	Box        [4]float64 `json:"box"` // x1, y1, x2, y2 in original pixels
}

// Records turns one picture's (or frame's) detections into records.
func Records(file string, frame int, dets []detect.Detection, classes []string) []Record {
	var out []Record
	raw := ""
	if !utf8.ValidString(file) {
		raw = base64.StdEncoding.EncodeToString([]byte(file))
	}
	for _, d := range dets {
		out = append(out, Record{File: file, FileBase64: raw, Frame: frame, Class: classes[d.Class], ClassID: d.Class, Score: d.Score,
			Box: [4]float64{round2(d.Box.Xmin), round2(d.Box.Ymin), round2(d.Box.Xmax), round2(d.Box.Ymax)}})
	}
	return out
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// WriteRecords writes records as JSON lines, or CSV when format is "csv",
// atomically (temp file + rename).
func WriteRecords(path string, recs []Record, format string) error {
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
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
