package protocol

// Kind names an event of the worker's output.
type Kind string

// The events the worker writes.
const (
	EventStarted    Kind = "started"    // the run's folder, device and planned steps
	EventBatch      Kind = "batch"      // one training step's loss
	EventEpoch      Kind = "epoch"      // an epoch's mean loss and validation loss
	EventEval       Kind = "eval"       // mAP, precision and recall on the val split
	EventCheckpoint Kind = "checkpoint" // a checkpoint written (Kind best or last)
	EventDone       Kind = "done"       // the run ended, or stopped (Stopped)
	EventError      Kind = "error"      // the run failed: Message says why
	EventImported   Kind = "imported"   // import-pth wrote a checkpoint
	EventDownload   Kind = "download"   // weights being fetched: Bytes of Total
	EventTransfer   Kind = "transfer"   // the tensors a start took from its weights
)
