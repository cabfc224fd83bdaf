package cli

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labelloop/labelloop/internal/pix"
)

// bombPNG is a small PNG whose header claims w×h.
func bombPNG(t *testing.T, w, h uint32) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
	d := b.Bytes()
	binary.BigEndian.PutUint32(d[16:], w)
	binary.BigEndian.PutUint32(d[20:], h)
	binary.BigEndian.PutUint32(d[29:], crc32.ChecksumIEEE(d[12:29]))
	return d
}

// predict refuses a picture whose header claims more pixels than the
// limit, naming it, and carries on with the others; --max-pixels moves
// the limit.
func TestPredictRefusesDecompressionBombs(t *testing.T) {
	onnxPath, dir := fixtureModel(t)
	imgs := filepath.Join(dir, "imgs")
	os.MkdirAll(imgs, 0o755)
	os.WriteFile(filepath.Join(imgs, "bomb.png"), bombPNG(t, 40000, 40000), 0o644)
	var ok bytes.Buffer
	png.Encode(&ok, image.NewRGBA(image.Rect(0, 0, 64, 48)))
	os.WriteFile(filepath.Join(imgs, "ok.png"), ok.Bytes(), 0o644)
	code, stdout, stderr := run("predict", "--model", onnxPath, "--project", filepath.Join(dir, "runs"), "--no-save", imgs)
	if code != 1 || !strings.Contains(stderr, "bomb.png: 40000x40000 is 1600 MP, over the limit of 179 MP") || !strings.Contains(stdout, "2 images") {
		t.Fatalf("predict: %d\n%s%s", code, stdout, stderr)
	}
	defer pix.SetMaxPixels(0)
	code, _, stderr = run("predict", "--model", onnxPath, "--max-pixels", "2000000000", "--project", filepath.Join(dir, "runs"), "--no-save", filepath.Join(imgs, "bomb.png"))
	if code != 1 || strings.Contains(stderr, "over the limit") || !strings.Contains(stderr, "bomb.png") {
		t.Fatalf("raised limit: %d %s", code, stderr)
	}
}
