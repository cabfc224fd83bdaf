package voc

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/labelloop/labelloop/internal/atomicfile"
)

// Fix repairs what is safe to repair: it fills or corrects <size> from the
// real image and clamps boxes into the image. Each file it changes is first
// copied under backupRoot (mirroring its path below the dataset root). It
// returns the files it changed.
func Fix(ds *Dataset, rep *Report, backupRoot string) ([]string, error) {
	fixable := map[string]bool{}
	for _, is := range rep.Issues {
		if is.Fixable {
			fixable[is.File] = true
		}
	}
	var changed []string
	for _, it := range ds.Items {
		if it.XML == "" || it.Image == "" || !fixable[it.XML] {
			continue
		}
		info, err := ReadImageInfo(it.Image)
		if err != nil {
			continue
		}
		a, err := LoadAnnotation(it.XML)
		if err != nil {
			continue
		}
		if a.Width != info.Width || a.Height != info.Height {
			a.Width, a.Height = info.Width, info.Height
			if a.Depth == 0 {
				a.Depth = 3
			}
		}
		for i := range a.Objects {
			c := clampBox(a.Objects[i].Box, info.Width, info.Height)
			if c.Xmin < c.Xmax && c.Ymin < c.Ymax {
				a.Objects[i].Box = c
			}
		}
		if err := Backup(ds.Root, it.XML, backupRoot); err != nil {
			return changed, err
		}
		if err := SaveAnnotation(it.XML, a); err != nil {
			return changed, err
		}
		changed = append(changed, it.XML)
	}
	return changed, nil
}

// DefaultBackupDir is a fresh, timestamped backup folder in the dataset.
func DefaultBackupDir(root string) string {
	return filepath.Join(root, ".labelloop", "backup", time.Now().Format("20060102-150405"))
}

// Backup copies file (below root) into backupRoot, keeping its relative path.
func Backup(root, file, backupRoot string) error {
	rel, err := filepath.Rel(root, file)
	if err != nil || filepath.IsAbs(rel) || rel == ".." || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
		rel = filepath.Base(file)
	}
	dst := filepath.Join(backupRoot, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("backing up %s: %w", file, err)
	}
	return nil
}
