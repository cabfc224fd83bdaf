//go:build !linux

package voc

// prefetcher batches reads through io_uring on Linux; elsewhere items are
// read one by one.
type prefetcher struct{}

func newPrefetcher(*fileReader, int) *prefetcher { return nil }
func (p *prefetcher) close()                     {}
func (p *prefetcher) load([]Item)                {}
func (p *prefetcher) view(int) itemSource        { return nil }
