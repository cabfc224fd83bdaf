package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/labelloop/labelloop/inference"
	"github.com/labelloop/labelloop/internal/synth"
	"github.com/labelloop/labelloop/model"
	pb "github.com/labelloop/labelloop/model/onnx/onnxpb"
	"github.com/labelloop/labelloop/voc"
)

// fixtureModel exports a 3-class, 160-pixel MobileNetV2 detector with the
// reference's formula weights. Its detections are meaningless, but every
// stage runs for real.
func fixtureModel(t *testing.T) (string, string) {
	dir := t.TempDir()
	ck := &model.Checkpoint{Backbone: model.MobileNetV2, Classes: synth.Classes, Anchors: model.DefaultAnchors, InputSize: 160, Resize: "letterbox"}
	g, _ := model.Build(ck.Config())
	w := filepath.Join(dir, "best.safetensors")
	if err := model.SaveCheckpoint(w, ck, model.FixtureWeights(g)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "best.onnx")
	code, stdout, stderr := run("export", "--weights", w, "--out", out)
	if code != 0 || !strings.Contains(stdout, "verified") {
		t.Fatalf("export: %d\n%s%s", code, stdout, stderr)
	}
	return out, dir
}

func readJSONL(t *testing.T, path string) []inference.Record {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []inference.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r inference.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestExportPredictEvalAutolabel(t *testing.T) {
	onnxPath, dir := fixtureModel(t)
	data := filepath.Join(dir, "data")
	o := synth.Default(8)
	o.Unlabelled = 3
	synth.Generate(data, o)
	imgs := filepath.Join(data, "JPEGImages")
	// bad inputs among good ones: the batch carries on and names them
	os.WriteFile(filepath.Join(imgs, "zero.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(imgs, "corrupt.jpg"), []byte("\xff\xd8\xff\xe0 not really a jpeg"), 0o644)
	runs := filepath.Join(dir, "runs")
	code, stdout, stderr := run("predict", "--model", onnxPath, "--conf", "0.05", "--project", runs, imgs)
	if code != 1 || !strings.Contains(stderr, "zero.jpg") || !strings.Contains(stderr, "corrupt.jpg") || !strings.Contains(stdout, "13 images") {
		t.Fatalf("predict: %d\n%s%s", code, stdout, stderr)
	}
	run1 := filepath.Join(runs, "predict-1")
	if _, err := os.Stat(filepath.Join(run1, "shapes-00000.jpg")); err != nil {
		t.Fatal("annotated image missing")
	}
	recs := readJSONL(t, filepath.Join(run1, "detections.jsonl"))
	for _, r := range recs {
		if r.Box[2] > 160 || r.Box[0] < 0 || r.Class == "" {
			t.Fatalf("bad record %+v", r)
		}
	}
	// a second run gets its own folder; CSV on request
	os.Remove(filepath.Join(imgs, "zero.jpg"))
	os.Remove(filepath.Join(imgs, "corrupt.jpg"))
	if code, _, stderr := run("predict", "--model", onnxPath, "--project", runs, "--format", "csv", "--no-save", filepath.Join(imgs, "shapes-00001.jpg")); code != 0 {
		t.Fatalf("csv: %s", stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(runs, "predict-2", "detections.csv")); !strings.HasPrefix(string(b), "file,frame,class") {
		t.Fatalf("csv: %q", b)
	}

	code, stdout, stderr = run("eval", "--model", onnxPath, "--json", data)
	var m struct {
		Map50   float64 `json:"map50"`
		Images  int
		Classes []struct{ Name string }
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &m) != nil || m.Images != 8 || len(m.Classes) != 3 {
		t.Fatalf("eval: %d\n%s%s", code, stdout, stderr)
	}

	before, _ := os.ReadFile(filepath.Join(data, "Annotations", "shapes-00000.xml"))
	code, stdout, stderr = run("autolabel", "--model", onnxPath, "--conf", "0.05", data)
	if code != 0 || !strings.Contains(stdout, "labelled 3 images") || !strings.Contains(stdout, "skipped 8") {
		t.Fatalf("autolabel: %d\n%s%s", code, stdout, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(data, "Annotations", "shapes-00000.xml"))
	if string(before) != string(after) {
		t.Fatal("autolabel touched an existing annotation")
	}
	a, err := voc.LoadAnnotation(filepath.Join(data, "Annotations", "shapes-00009.xml"))
	if err != nil || a.Verified || a.Width != 160 {
		t.Fatalf("pre-label: %v %+v", err, a)
	}
	code, stdout, _ = run("autolabel", "--model", onnxPath, "--overwrite", data)
	if code != 0 || !strings.Contains(stdout, "backed up") {
		t.Fatalf("overwrite: %s", stdout)
	}
}

func TestPredictVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	onnxPath, dir := fixtureModel(t)
	clip := filepath.Join(dir, "clip.mp4")
	if err := synth.Video(clip, "320x240", "10", 1); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "notes.mp4")
	os.WriteFile(fake, []byte("this is text"), 0o644)
	runs := filepath.Join(dir, "runs")
	code, stdout, stderr := run("predict", "--model", onnxPath, "--conf", "0.05", "--project", runs, clip, fake)
	if code != 1 || !strings.Contains(stderr, "notes.mp4: not a video") {
		t.Fatalf("video: %d\n%s%s", code, stdout, stderr)
	}
	if fi, err := os.Stat(filepath.Join(runs, "predict-1", "clip.mp4")); err != nil || fi.Size() == 0 {
		t.Fatal("annotated video missing")
	}
	frames := map[int]bool{}
	for _, r := range readJSONL(t, filepath.Join(runs, "predict-1", "detections.jsonl")) {
		frames[r.Frame] = true
	}
	if len(frames) < 5 {
		t.Fatalf("detections on %d frames", len(frames))
	}
}

// Ctrl+C in the middle of a video keeps what is done: a playable video
// of the frames so far and their detections; the exit status says
// interrupted.
func TestPredictInterrupted(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	onnxPath, dir := fixtureModel(t)
	clip := filepath.Join(dir, "long.mp4")
	if err := synth.Video(clip, "320x240", "30", 60); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(dir, "runs")
	video := filepath.Join(runs, "predict-1", "long.mp4")
	r := interruptPredict(t, video, 500*time.Millisecond, "--model", onnxPath, "--conf", "0.05", "--project", runs, clip)
	if r.code != ExitInterrupted || !strings.Contains(r.stderr, "long.mp4: stopped after") || !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("%d\n%s%s", r.code, r.stdout, r.stderr)
	}
	n, err := synth.CountFrames(video)
	if err != nil || n == 0 || n >= 1800 {
		t.Fatalf("the video so far: %v, %d frames", err, n)
	}
	frames := map[int]bool{}
	for _, rec := range readJSONL(t, filepath.Join(runs, "predict-1", "detections.jsonl")) {
		frames[rec.Frame] = true
	}
	if len(frames) == 0 || len(frames) > n {
		t.Fatalf("detections on %d frames, video has %d", len(frames), n)
	}
	t.Logf("stopped after %d frames: %s", n, strings.TrimSpace(r.stderr))
}

type predictResult struct {
	code           int
	stdout, stderr string
}

// interruptPredict runs labelloop predict with args and sends it Ctrl+C
// once video has been written to for a while.
func interruptPredict(t *testing.T, video string, after time.Duration, args ...string) predictResult {
	done := make(chan predictResult)
	go func() {
		code, stdout, stderr := run(append([]string{"predict"}, args...)...)
		done <- predictResult{code, stdout, stderr}
	}()
	// the encoder creates its file once frames flow: the signal handler is
	// set by then
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(video); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no video started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(after)
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("predict did not stop")
	}
	return predictResult{}
}

// A stream (an IP camera's address) runs until Ctrl+C, which ends it
// normally: exit 0, the video and detections so far saved, named after
// the stream's address.
func TestPredictStream(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	onnxPath, dir := fixtureModel(t)
	url, stop, err := synth.Stream("320x240", "30", 60)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	runs := filepath.Join(dir, "runs")
	name := strings.NewReplacer(":", "_").Replace(strings.TrimPrefix(url, "udp://"))
	video := filepath.Join(runs, "predict-1", name+".mp4")
	r := interruptPredict(t, video, 2*time.Second, "--model", onnxPath, "--conf", "0.05", "--project", runs, url)
	if r.code != ExitOK || !strings.Contains(r.stderr, url+": stopped after") {
		t.Fatalf("%d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n, err := synth.CountFrames(video); err != nil || n < 30 {
		t.Fatalf("the video so far: %v, %d frames", err, n)
	}
	recs := readJSONL(t, filepath.Join(runs, "predict-1", "detections.jsonl"))
	if len(recs) == 0 || recs[0].File != url {
		t.Fatalf("%d detections, first %+v", len(recs), recs)
	}
}

func TestBadModels(t *testing.T) {
	onnxPath, dir := fixtureModel(t)
	synth.Generate(filepath.Join(dir, "d"), synth.Default(1))
	img := filepath.Join(dir, "d", "JPEGImages", "shapes-00000.jpg")
	notOnnx := filepath.Join(dir, "model.onnx.txt")
	os.WriteFile(notOnnx, []byte("hello, I am not a model"), 0o644)
	if code, _, stderr := run("predict", "--model", notOnnx, img); code != 1 || !strings.Contains(stderr, "not an ONNX model") || !strings.Contains(stderr, notOnnx) {
		t.Fatalf("non-ONNX: %d %s", code, stderr)
	}
	// the same model with its input changed to 1 channel
	data, _ := os.ReadFile(onnxPath)
	var m pb.ModelProto
	proto.Unmarshal(data, &m)
	m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: 1}
	bad, _ := proto.Marshal(&m)
	wrong := filepath.Join(dir, "wrong.onnx")
	os.WriteFile(wrong, bad, 0o644)
	if code, _, stderr := run("predict", "--model", wrong, img); code != 1 || !strings.Contains(stderr, "input \"images\" has shape batch×1×160×160") {
		t.Fatalf("wrong input: %d %s", code, stderr)
	}
	// an ONNX file as the PyTorch reference exports it: no metadata
	m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: 3}
	m.MetadataProps = nil
	plain, _ := proto.Marshal(&m)
	ref := filepath.Join(dir, "reference.onnx")
	os.WriteFile(ref, plain, 0o644)
	if code, _, stderr := run("predict", "--model", ref, img); code != 1 || !strings.Contains(stderr, "names none") {
		t.Fatalf("no metadata, no classes: %d %s", code, stderr)
	}
	cls := filepath.Join(dir, "classes.txt")
	voc.WriteClasses(cls, synth.Classes)
	anchors := filepath.Join(dir, "yolo_anchors.txt")
	os.WriteFile(anchors, []byte("12,16, 19,36, 40,28, 36,75, 76,55, 72,146, 142,110, 192,243, 459,401\n"), 0o644)
	if code, _, stderr := run("predict", "--model", ref, "--classes", cls, "--anchors", anchors, "--project", filepath.Join(dir, "runs"), img); code != 0 {
		t.Fatalf("reference ONNX with classes and anchors: %d %s", code, stderr)
	}
	if code, _, stderr := run("export", "--weights", filepath.Join(dir, "nope.safetensors")); code != 1 || !strings.Contains(stderr, "sidecar") {
		t.Fatalf("missing weights: %d %s", code, stderr)
	}
}

// A video's ffmpeg children start while the model loads: when the model
// then fails, they are stopped and the run folder removed, nothing left.
func TestPredictVideoBadModel(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg")
	}
	dir := t.TempDir()
	clip := filepath.Join(dir, "c.mp4")
	if err := synth.Video(clip, "320x240", "30", 1); err != nil {
		t.Fatal(err)
	}
	notOnnx := filepath.Join(dir, "m.onnx")
	os.WriteFile(notOnnx, []byte("not a model"), 0o644)
	runs := filepath.Join(dir, "runs")
	if code, _, stderr := run("predict", "--model", notOnnx, "--project", runs, clip); code != ExitFindings || !strings.Contains(stderr, notOnnx) {
		t.Fatalf("%d %s", code, stderr)
	}
	time.Sleep(200 * time.Millisecond) // an encoder left running would write its file by now
	if left, _ := filepath.Glob(filepath.Join(runs, "*", "*")); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := os.Stat(filepath.Join(runs, "predict-1")); err == nil {
		t.Fatal("an empty run folder is left")
	}
}
