// Package protocol is the training worker's JSON-lines protocol: the
// events labelloop-train writes, one per line, to stdout and to a run's
// events.jsonl. It is pure Go, so the app reads them without linking
// libtorch.
package protocol

// Event is one line of the worker's output (and of events.jsonl).
type Event struct {
	Event   Kind               `json:"event"` // started, batch, epoch, eval, checkpoint, done, error; download, transfer before a run starts
	Time    string             `json:"time"`
	Run     string             `json:"run,omitempty"`
	Device  string             `json:"device,omitempty"`
	Threads int                `json:"threads,omitempty"`
	Epoch   int                `json:"epoch,omitempty"`
	Step    int                `json:"step,omitempty"`
	Steps   int                `json:"steps,omitempty"` // total planned
	Loss    *LossParts         `json:"loss,omitempty"`
	ValLoss float64            `json:"val_loss,omitempty"`
	LR      float64            `json:"lr,omitempty"`
	ImgPerS float64            `json:"images_per_s,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Path    string             `json:"path,omitempty"`
	Kind    string             `json:"kind,omitempty"` // best, last
	Stopped bool               `json:"stopped,omitempty"`
	// DataWait is the share of an epoch's time the step spent waiting for
	// the data pipeline.
	DataWait float64 `json:"data_wait,omitempty"`
	Frozen   bool    `json:"frozen,omitempty"` // the backbone is frozen this epoch
	// Bytes and Total are a download's progress (event "download": Path
	// is the file's name).
	Bytes   int64  `json:"bytes,omitempty"`
	Total   int64  `json:"total,omitempty"`
	Message string `json:"message,omitempty"`
}

// LossParts are the terms of one step's loss (and, for training steps,
// the gradients' global norm before clipping).
type LossParts struct {
	Box, Obj, Cls, Total float64
	GradNorm             float64 `json:",omitempty"`
}
