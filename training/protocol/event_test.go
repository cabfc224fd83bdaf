package protocol

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`{"event":"batch","step":3,"steps":10}`, ""},
		{`{"event":"checkpoint","kind":"best","path":"w.safetensors"}`, ""},
		{`not json`, "invalid character"},
		{`{"event":""}`, "unknown event"},
		{`{"event":"rm -rf"}`, "unknown event"},
		{`{"event":"batch","step":-1}`, "step -1 is negative"},
		{`{"event":"batch","step":11,"steps":10}`, "step 11 of 10"},
		{`{"event":"epoch","lr":-0.1}`, "lr"},
		{`{"event":"epoch","lr":1e400}`, "cannot unmarshal"},
		{`{"event":"checkpoint","kind":"worst"}`, "kind"},
		{`{"event":"epoch","epoch":"3"}`, "cannot unmarshal"},
	} {
		_, err := ParseEvent([]byte(c.line))
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// A line longer than any event in events.jsonl is skipped, and so is a
// last line cut short by a kill.
func TestReadEventsSkipsOverlongLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.jsonl")
	os.WriteFile(p, []byte(`{"event":"started"}`+"\n"+strings.Repeat("y", 3<<20)+"\n"+`{"event":"epoch","epoch":1}`+"\n"+`{"event":"ep`), 0o644)
	evs, err := ReadEvents(p)
	if err != nil || len(evs) != 2 || evs[1].Epoch != 1 {
		t.Fatalf("%v %+v", err, evs)
	}
}

// Whatever a line holds, ParseEvent returns an error or an event that
// writes back to the same event.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{`{"event":"batch","epoch":1,"step":3,"steps":10,"loss":{"Box":0.1,"Obj":0.5,"Cls":0.05,"Total":0.65,"GradNorm":2},"lr":0.001,"images_per_s":12.5}`,
		`{"event":"eval","epoch":2,"metrics":{"map50":0.5}}`, `{"event":"checkpoint","kind":"last","path":"runs/train-1/weights/last.safetensors","epoch":3}`,
		`{"event":"done","stopped":true,"run":"runs/train-2"}`, `{"event":"error","message":"x"}`, `{"event":"epoch","data_wait":0.1,"frozen":true,"val_loss":1.5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := ParseEvent(line)
		if err != nil {
			return
		}
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := ParseEvent(data)
		data2, _ := json.Marshal(e2)
		if err != nil || string(data) != string(data2) {
			t.Fatalf("%s -> %s -> %v %s", line, data, err, data2)
		}
	})
}
