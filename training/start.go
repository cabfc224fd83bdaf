package training

import (
	"context"
	"path/filepath"

	"github.com/labelloop/labelloop/internal/weights"
	"github.com/labelloop/labelloop/model"
	"github.com/labelloop/labelloop/training/protocol"
)

// resolveInit fetches the seed's published weights when the run starts
// from them (init "voc" or "imagenet"), reporting the download as
// "download" events, and points cfg.Init at the file.
func resolveInit(ctx context.Context, cfg *Config, emit func(Event)) error {
	if !weights.IsStart(cfg.Init) {
		return nil
	}
	bb := cfg.Backbone
	if bb == "" {
		bb = model.MobileNetV2
	}
	e, err := weights.For(weights.Kind(cfg.Init), bb)
	if err != nil {
		return err
	}
	dir, err := weights.DefaultDir()
	if err != nil {
		return err
	}
	f := &weights.Fetcher{Dir: dir, Progress: func(done, total int64) {
		emit(Event{Event: protocol.EventDownload, Path: e.File, Bytes: done, Total: total, Message: e.SourceURL()})
	}}
	p, err := f.Fetch(ctx, e)
	if err != nil {
		return err
	}
	cfg.Init = p
	return nil
}

// startWeights are a new run's first weights: fresh, or taken from
// cfg.Init wherever name and shape fit (a detector for other classes
// gives all but its heads' last layer). The "transfer" event says what
// was taken; pretrained says whether the backbone came from the file.
func startWeights(cfg Config, g *model.Graph) (w map[string][]float32, transfer *Event, pretrained bool, err error) {
	if cfg.Init == "" {
		return model.InitWeights(g, cfg.Seed), nil, false, nil
	}
	t, err := weights.Start(cfg.Init, g, cfg.Seed)
	if err != nil {
		return nil, nil, false, err
	}
	msg := t.Summary(filepath.Base(cfg.Init))
	return t.Weights, &Event{Event: protocol.EventTransfer, Path: cfg.Init, Message: msg}, t.BackboneTaken(), nil
}
