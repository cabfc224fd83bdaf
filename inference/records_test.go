package inference

import (
	"bufio"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/labelloop/labelloop/detect"
	"github.com/labelloop/labelloop/voc"
)

// A file name that is not UTF-8 (Latin-1 "café.jpg" from an old camera
// card) keeps its exact bytes in detections.jsonl, base64 in file_base64,
// beside the readable "file" (which alone came out as U+FFFD before); CSV
// keeps the bytes as they are. UTF-8 names get no extra field.
func TestRecordsKeepNonUTF8Names(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "caf\xe9 \xff.jpg")
	dets := []detect.Detection{{Class: 1, Score: .9, Box: voc.Box{Xmin: 1, Ymin: 2, Xmax: 3, Ymax: 4}}}
	recs := append(Records(bad, 0, dets, []string{"a", "b"}), Records("ünïcode.jpg", 3, dets, []string{"a", "b"})...)
	p := filepath.Join(dir, "detections.jsonl")
	if err := WriteRecords(p, recs, "jsonl"); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	b64, _ := lines[0]["file_base64"].(string)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || string(raw) != bad {
		t.Fatalf("file_base64 %q gives %q, want %q", b64, raw, bad)
	}
	if _, ok := lines[1]["file_base64"]; ok || lines[1]["file"] != "ünïcode.jpg" {
		t.Fatalf("UTF-8 name: %v", lines[1])
	}
	c := filepath.Join(dir, "detections.csv")
	if err := WriteRecords(c, recs, "csv"); err != nil {
		t.Fatal(err)
	}
	cf, _ := os.Open(c)
	defer cf.Close()
	rows, err := csv.NewReader(cf).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != bad {
		t.Fatalf("csv %v %q", err, rows)
	}
}
