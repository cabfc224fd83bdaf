// Package pth reads PyTorch state dicts saved with torch.save — the zip
// format (PyTorch 1.6 on), the legacy stream format
// (_use_new_zipfile_serialization=False) and the older tar format — in
// pure Go and without running anything the file asks for. Its pickle
// machine accepts only what a state dict needs (dicts and OrderedDicts of
// names to tensors, tensor and parameter rebuilds, storages, dtypes), as
// torch.load(weights_only=True) does, and refuses everything else with the
// opcode or class named. Every length and index in the file is checked
// before it is used, and memory is bounded by MaxBytes and MaxElements.
package pth

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/labelloop/labelloop/model"
)

// Tensor is one entry of a state dict, its values as float32.
type Tensor struct {
	Dtype string // as saved: float32, float16, bfloat16, float64, int64, ...
	Shape []int
	Data  []float32
}

// StateDict is a file's tensors by name, Names in the file's order.
type StateDict struct {
	Names   []string
	Tensors map[string]Tensor
	Format  string // "zip", "legacy" or "tar"
}

// Bounds on what one file may make Read allocate: the storages read, and
// the values of all tensors (a YOLOv4-MobileNet has under 70 million).
var (
	MaxBytes    int64 = 1 << 30
	MaxElements int64 = 1 << 28
)

// maxPickle bounds the pickle itself (a state dict's is kilobytes).
const maxPickle = 64 << 20

// legacyMagic is torch's legacy format number, 0x1950a86a20f9469cfc6c.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// Read reads the state dict in a .pth (or .pt, .bin) file. Anything it
// cannot use is a *model.BadFileError naming the file and, for a pickle,
// the record and byte where the refusal happened.
func Read(name string) (*StateDict, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, bad(name, "", "not a regular file")
	}
	return read(name, f, st.Size())
}

// read is Read on any random-access data (the fuzz test's bytes).
func read(name string, f io.ReaderAt, size int64) (*StateDict, error) {
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:n]
	switch {
	case size == 0:
		return nil, bad(name, "", "empty file")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return readZip(name, f, size)
	case len(head) == 512 && string(head[257:262]) == "ustar":
		return readTar(name, f, size)
	case bytes.HasPrefix(head, []byte{0x80, 0x02, 0x8a, 0x0a}):
		return readLegacy(name, f, size)
	}
	return nil, bad(name, "", "not a file torch.save writes (it starts with %q)", head[:min(len(head), 8)])
}

func bad(name, field, format string, args ...any) error {
	return &model.BadFileError{Path: name, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// persistentStorage reads a storage's persistent id, ("storage",
// StorageType, key, location, numel, ...rest); rest is returned.
func persistentStorage(id any, n int) (dtype, string, int64, tuple, error) {
	t, ok := id.(tuple)
	if !ok || len(t) == 0 {
		return 0, "", 0, nil, fmt.Errorf("a persistent id that is %s", describe(id))
	}
	if s, _ := t[0].(string); s == "module" {
		return 0, "", 0, nil, errors.New("a whole pickled module (torch.save(model)); save its state_dict() instead")
	}
	if s, _ := t[0].(string); s != "storage" || len(t) != n {
		return 0, "", 0, nil, fmt.Errorf("a persistent id %s, not a storage", describe(id))
	}
	g, ok := t[1].(global)
	dt := storageTypes[g.name]
	if !ok || g.module != "torch" || dt == 0 {
		return 0, "", 0, nil, fmt.Errorf("a storage of type %s", describe(t[1]))
	}
	key, ok := t[2].(string)
	if _, isStr := t[3].(string); !ok || !isStr {
		return 0, "", 0, nil, errors.New("a storage whose key or location is not a str")
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 || numel > MaxBytes/dt.size() {
		return 0, "", 0, nil, fmt.Errorf("a storage of %s elements", describe(t[4]))
	}
	return dt, key, numel, t[5:], nil
}

// readZip reads torch's zip format: DIR/data.pkl, DIR/data/KEY for each
// storage, DIR/byteorder.
func readZip(name string, f io.ReaderAt, size int64) (*StateDict, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, bad(name, "", "a damaged zip archive: %v", err)
	}
	records := map[string]*zip.File{}
	prefix := ""
	for _, zf := range zr.File {
		records[zf.Name] = zf
		dir, base := path.Split(zf.Name)
		switch {
		case base == "constants.pkl":
			return nil, bad(name, "", "a TorchScript archive (torch.jit.save), not a state dict")
		case base == "data.pkl" && strings.Count(dir, "/") == 1:
			if prefix != "" && prefix != dir {
				return nil, bad(name, "", "two pickles, %sdata.pkl and %sdata.pkl", prefix, dir)
			}
			prefix = dir
		}
	}
	if prefix == "" {
		return nil, bad(name, "", "a zip archive without a DIR/data.pkl: not a torch.save file")
	}
	pklName := prefix + "data.pkl"
	pkl, err := readSmall(records[pklName], maxPickle)
	if err != nil {
		return nil, bad(name, pklName, "%v", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if bo := records[prefix+"byteorder"]; bo != nil {
		b, err := readSmall(bo, 16)
		switch {
		case err != nil:
			return nil, bad(name, prefix+"byteorder", "%v", err)
		case string(b) == "big":
			order = binary.BigEndian
		case string(b) != "little":
			return nil, bad(name, prefix+"byteorder", "%q, want little or big", b)
		}
	}
	storages := map[string]*storage{}
	persistent := func(id any) (any, error) {
		dt, key, numel, _, err := persistentStorage(id, 5)
		if err != nil {
			return nil, err
		}
		if st, ok := storages[key]; ok {
			if st.dtype != dt || st.numel != numel {
				return nil, fmt.Errorf("storage %s is %d %s and %d %s", printable(key), st.numel, st.dtype, numel, dt)
			}
			return st, nil
		}
		st := &storage{dtype: dt, key: key, numel: numel}
		storages[key] = st
		return st, nil
	}
	src := &source{r: bufio.NewReader(bytes.NewReader(pkl)), size: int64(len(pkl))}
	root, err := unpickle(src, persistent)
	if err != nil {
		return nil, bad(name, pklName, "%v", err)
	}
	sd, ts, err := stateDict(root)
	if err != nil {
		return nil, bad(name, pklName, "%v", err)
	}
	budget := MaxBytes
	for _, t := range ts {
		st := t.st
		if st.data != nil || st.numel == 0 {
			continue
		}
		rec := prefix + "data/" + st.key
		nbytes := st.numel * st.dtype.size()
		if budget -= nbytes; budget < 0 {
			return nil, bad(name, "", "more than %d MB of tensor data", MaxBytes>>20)
		}
		zf := records[rec]
		if zf == nil {
			return nil, bad(name, rec, "missing: the pickle names storage %s", printable(st.key))
		}
		if st.data, err = readRecord(zf, nbytes); err != nil {
			return nil, bad(name, rec, "%v (storage of %d %s values)", err, st.numel, st.dtype)
		}
	}
	return build(name, "zip", sd, ts, order)
}

// readRecord reads the first n bytes of a zip record, refusing a record
// that claims fewer, or more than its compressed size could ever give (a
// zip bomb). The buffer grows as the data really comes.
func readRecord(zf *zip.File, n int64) ([]byte, error) {
	if zf == nil {
		return nil, errors.New("missing")
	}
	if zf.UncompressedSize64 < uint64(n) {
		return nil, fmt.Errorf("%d bytes, want %d", zf.UncompressedSize64, n)
	}
	if zf.Method != zip.Store && zf.UncompressedSize64 > 1100*zf.CompressedSize64+64 {
		return nil, fmt.Errorf("%d bytes packed into %d: not a torch.save record", zf.UncompressedSize64, zf.CompressedSize64)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, rc, n); err != nil {
		return nil, unexpected(err)
	}
	return buf.Bytes(), nil
}

// readSmall reads a whole record of at most limit bytes.
func readSmall(zf *zip.File, limit int64) ([]byte, error) {
	if zf == nil {
		return nil, errors.New("missing")
	}
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than such a record can be (%d)", zf.UncompressedSize64, limit)
	}
	return readRecord(zf, int64(zf.UncompressedSize64))
}

// readLegacy reads the stream format: pickles of the magic number, the
// protocol version, the system info, the object and the storage keys,
// then each storage as its element count and its bytes.
func readLegacy(name string, f io.ReaderAt, size int64) (*StateDict, error) {
	src := &source{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<16), size: size}
	magic, err := unpickle(src, nil)
	if b, ok := magic.(bigInt); err != nil || !ok || b.v.Cmp(legacyMagic) != 0 {
		return nil, bad(name, "", "not a torch.save file (its magic number is wrong: %v)", err)
	}
	if v, err := unpickle(src, nil); err != nil || v != int64(1001) {
		return nil, bad(name, "", "legacy format version %v, want 1001 (%v)", v, err)
	}
	info, err := unpickle(src, nil)
	if err != nil {
		return nil, bad(name, "sys_info", "%v", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if d, ok := info.(*pyDict); ok {
		if i, ok := d.strs["little_endian"]; ok && d.vals[i] == false {
			order = binary.BigEndian
		}
	}
	ls := &legacyStorages{roots: map[string]*storage{}, views: map[string]*storage{}}
	root, err := unpickle(src, ls.persistent)
	if err != nil {
		return nil, bad(name, "pickle", "%v", err)
	}
	if err := ls.read(name, src, order); err != nil {
		return nil, err
	}
	sd, ts, err := stateDict(root)
	if err != nil {
		return nil, bad(name, "pickle", "%v", err)
	}
	return build(name, "legacy", sd, ts, order)
}

// legacyStorages are the storages a legacy pickle names: roots by key, and
// views (slices of a root) by their own key.
type legacyStorages struct{ roots, views map[string]*storage }

// persistent resolves a storage's persistent id, ("storage", type, key,
// location, numel, view), view being None or (view_key, offset, size).
func (ls *legacyStorages) persistent(id any) (any, error) {
	dt, key, numel, rest, err := persistentStorage(id, 6)
	if err != nil {
		return nil, err
	}
	root := ls.roots[key]
	if root == nil {
		root = &storage{dtype: dt, key: key, numel: numel}
		ls.roots[key] = root
	} else if root.dtype != dt {
		return nil, fmt.Errorf("storage %s is %s and %s", printable(key), root.dtype, dt)
	}
	if rest[0] == nil {
		return root, nil
	}
	vm, ok := rest[0].(tuple)
	if !ok || len(vm) != 3 {
		return nil, fmt.Errorf("a storage view that is %s", describe(rest[0]))
	}
	vkey, ok1 := vm[0].(string)
	off, ok2 := vm[1].(int64)
	n, ok3 := vm[2].(int64)
	if !ok1 || !ok2 || !ok3 || off < 0 || n < 0 {
		return nil, errors.New("a storage view whose key, offset or size is wrong")
	}
	if v := ls.views[vkey]; v != nil {
		return v, nil
	}
	v := &storage{dtype: dt, key: vkey, numel: n, root: root, off: off}
	ls.views[vkey] = v
	return v, nil
}

// read reads what follows the pickle: the list of storage keys, then each
// root storage in that order as its element count and its bytes.
func (ls *legacyStorages) read(name string, src *source, order binary.ByteOrder) error {
	keysV, err := unpickle(src, nil)
	if err != nil {
		return bad(name, "storage keys", "%v", err)
	}
	keys, ok := keysV.(*pyList)
	if !ok {
		return bad(name, "storage keys", "%s, not a list", describe(keysV))
	}
	budget := MaxBytes
	for _, k := range keys.items {
		key, _ := k.(string)
		st := ls.roots[key]
		if st == nil || st.data != nil {
			return bad(name, "storage keys", "key %s names no storage of the pickle (or one twice)", describe(k))
		}
		field := "storage " + printable(key)
		nb, err := src.read(8)
		if err != nil {
			return bad(name, field, "%v", err)
		}
		if n := int64(order.Uint64(nb)); n != st.numel {
			return bad(name, field, "%d elements, the pickle says %d", n, st.numel)
		}
		nbytes := st.numel * st.dtype.size()
		if budget -= nbytes; budget < 0 {
			return bad(name, "", "more than %d MB of tensor data", MaxBytes>>20)
		}
		if st.data, err = src.read(nbytes); err != nil {
			return bad(name, field, "%v", err)
		}
	}
	return nil
}

// readTar reads the oldest format: a tar of "storages" (each storage's
// key, location and type, then its count and bytes; then the views),
// "tensors" (each tensor's key, storage and shape in binary) and "pickle"
// (the object, naming tensors by key).
func readTar(name string, f io.ReaderAt, size int64) (*StateDict, error) {
	parts, err := tarParts(name, f, size)
	if err != nil {
		return nil, err
	}
	order := binary.LittleEndian
	objects, err := tarStorages(name, sourceOf(parts["storages"]), order)
	if err != nil {
		return nil, err
	}
	tensors, err := tarTensors(name, sourceOf(parts["tensors"]), objects, order)
	if err != nil {
		return nil, err
	}
	persistent := func(id any) (any, error) {
		if _, ok := id.(tuple); ok {
			return nil, errors.New("a whole pickled module (torch.save(model)); save its state_dict() instead")
		}
		key, ok := keyOf(id)
		if t := tensors[key]; ok && t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("persistent id %s names no tensor", describe(id))
	}
	root, err := unpickle(sourceOf(parts["pickle"]), persistent)
	if err != nil {
		return nil, bad(name, "pickle", "%v", err)
	}
	sd, ts, err := stateDict(root)
	if err != nil {
		return nil, bad(name, "pickle", "%v", err)
	}
	return build(name, "tar", sd, ts, order)
}

// tarParts reads the three members of the tar format, each at most once.
func tarParts(name string, f io.ReaderAt, size int64) (map[string][]byte, error) {
	tr := tar.NewReader(io.NewSectionReader(f, 0, size))
	parts := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad(name, "", "a damaged tar archive: %v", err)
		}
		switch h.Name {
		case "storages", "tensors", "pickle":
			if h.Size > size || parts[h.Name] != nil {
				return nil, bad(name, h.Name, "%d bytes in a file of %d (or twice)", h.Size, size)
			}
			var buf bytes.Buffer
			if _, err := io.CopyN(&buf, tr, h.Size); err != nil {
				return nil, bad(name, h.Name, "%v", unexpected(err))
			}
			parts[h.Name] = buf.Bytes()
		}
	}
	for _, p := range []string{"storages", "tensors", "pickle"} {
		if parts[p] == nil {
			return nil, bad(name, p, "missing from the tar archive")
		}
	}
	return parts, nil
}

// tarStorages reads the "storages" member: a count, then per storage
// (key, location, type), its element count and its bytes; then the views.
func tarStorages(name string, src *source, order binary.ByteOrder) (map[string]*storage, error) {
	count, err := unpickleCount(src)
	if err != nil {
		return nil, bad(name, "storages", "%v", err)
	}
	objects := map[string]*storage{}
	budget := MaxBytes
	for range count {
		if err := tarStorage(name, src, objects, order, &budget); err != nil {
			return nil, err
		}
	}
	if err := tarViews(name, src, objects); err != nil {
		return nil, err
	}
	return objects, nil
}

// tarStorage reads one storage into objects, taking its bytes from budget.
func tarStorage(name string, src *source, objects map[string]*storage, order binary.ByteOrder, budget *int64) error {
	v, err := unpickle(src, nil)
	if err != nil {
		return bad(name, "storages", "%v", err)
	}
	t, ok := v.(tuple)
	if !ok || len(t) != 3 {
		return bad(name, "storages", "a storage header that is %s", describe(v))
	}
	key, ok := keyOf(t[0])
	g, isG := t[2].(global)
	dt := storageTypes[g.name]
	if !ok || !isG || g.module != "torch" || dt == 0 || objects[key] != nil {
		return bad(name, "storages", "a storage header (%s, %s)", describe(t[0]), describe(t[2]))
	}
	nb, err := src.read(8)
	if err != nil {
		return bad(name, "storages", "%v", err)
	}
	numel := int64(order.Uint64(nb))
	if numel < 0 || numel > src.size/dt.size() {
		return bad(name, "storages", "storage %s of %d elements in %d bytes", key, numel, src.size)
	}
	nbytes := numel * dt.size()
	if *budget -= nbytes; *budget < 0 {
		return bad(name, "", "more than %d MB of tensor data", MaxBytes>>20)
	}
	data, err := src.read(nbytes)
	if err != nil {
		return bad(name, "storages", "%v", err)
	}
	objects[key] = &storage{dtype: dt, key: key, numel: numel, data: data}
	return nil
}

// tarViews reads the list of views, (key, root key, offset, size), that
// ends the "storages" member into objects.
func tarViews(name string, src *source, objects map[string]*storage) error {
	v, err := unpickle(src, nil)
	if err != nil {
		return bad(name, "storages", "views: %v", err)
	}
	vl, ok := v.(*pyList)
	if !ok {
		return bad(name, "storages", "views are %s, not a list", describe(v))
	}
	for _, it := range vl.items {
		t, ok := it.(tuple)
		if !ok || len(t) != 4 {
			return bad(name, "storages", "a view that is %s", describe(it))
		}
		target, ok1 := keyOf(t[0])
		rootKey, ok2 := keyOf(t[1])
		off, ok3 := t[2].(int64)
		n, ok4 := t[3].(int64)
		root := objects[rootKey]
		if !ok1 || !ok2 || !ok3 || !ok4 || root == nil || root.root != nil || objects[target] != nil || off < 0 || n < 0 {
			return bad(name, "storages", "a view (%s, %s, %s, %s)", describe(t[0]), describe(t[1]), describe(t[2]), describe(t[3]))
		}
		objects[target] = &storage{dtype: root.dtype, key: target, numel: n, root: root, off: off}
	}
	return nil
}

// tarTensors reads the "tensors" member: a count, then per tensor (key,
// storage key, type) and in binary ndim (int32, 4 bytes unused), sizes,
// strides, offset.
func tarTensors(name string, src *source, objects map[string]*storage, order binary.ByteOrder) (map[string]*tensor, error) {
	count, err := unpickleCount(src)
	if err != nil {
		return nil, bad(name, "tensors", "%v", err)
	}
	tensors := map[string]*tensor{}
	for range count {
		if err := tarTensor(name, src, objects, tensors, order); err != nil {
			return nil, err
		}
	}
	return tensors, nil
}

// tarTensor reads one tensor into tensors.
func tarTensor(name string, src *source, objects map[string]*storage, tensors map[string]*tensor, order binary.ByteOrder) error {
	v, err := unpickle(src, nil)
	if err != nil {
		return bad(name, "tensors", "%v", err)
	}
	t, ok := v.(tuple)
	if !ok || len(t) != 3 {
		return bad(name, "tensors", "a tensor header that is %s", describe(v))
	}
	key, ok1 := keyOf(t[0])
	sk, ok2 := keyOf(t[1])
	st := objects[sk]
	if !ok1 || !ok2 || st == nil || tensors[key] != nil {
		return bad(name, "tensors", "tensor %s on storage %s", describe(t[0]), describe(t[1]))
	}
	head, err := src.read(8)
	if err != nil {
		return bad(name, "tensors", "%v", err)
	}
	ndim := int64(int32(order.Uint32(head)))
	if ndim < 0 || ndim > 64 {
		return bad(name, "tensors", "tensor %s of %d dimensions", key, ndim)
	}
	dims, err := src.read(16*ndim + 8)
	if err != nil {
		return bad(name, "tensors", "%v", err)
	}
	tn := &tensor{st: st, size: make([]int64, ndim), stride: make([]int64, ndim)}
	for i := range ndim {
		tn.size[i] = int64(order.Uint64(dims[8*i:]))
		tn.stride[i] = int64(order.Uint64(dims[8*(ndim+i):]))
		if tn.size[i] < 0 || tn.stride[i] < 0 {
			return bad(name, "tensors", "tensor %s of size %v, stride %v", key, tn.size, tn.stride)
		}
	}
	if tn.offset = int64(order.Uint64(dims[16*ndim:])); tn.offset < 0 {
		return bad(name, "tensors", "tensor %s at offset %d", key, tn.offset)
	}
	tensors[key] = tn
	return nil
}

func sourceOf(b []byte) *source {
	return &source{r: bufio.NewReader(bytes.NewReader(b)), size: int64(len(b))}
}

// unpickleCount reads a pickled count of storages or tensors.
func unpickleCount(src *source) (int, error) {
	v, err := unpickle(src, nil)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 0 || n > src.size { // each takes bytes
		return 0, fmt.Errorf("a count that is %s", describe(v))
	}
	return int(n), nil
}

// keyOf is a tar-format key (an int, or a str of one) as a string.
func keyOf(v any) (string, bool) {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), true
	case string:
		return v, true
	}
	return "", false
}

// stateDict finds the names and tensors in what the pickle built: a dict
// of str to tensor, or one under "state_dict", "model_state_dict" or
// "model" of a training checkpoint's dict.
func stateDict(root any) ([]string, []*tensor, error) {
	d, ok := root.(*pyDict)
	if !ok {
		return nil, nil, fmt.Errorf("the file holds %s, not a state dict", describe(root))
	}
	names, ts, err := tensorsOf(d)
	if err == nil {
		return names, ts, nil
	}
	for _, k := range []string{"state_dict", "model_state_dict", "model"} {
		if i, ok := d.strs[k]; ok {
			if inner, ok := d.vals[i].(*pyDict); ok {
				if names, ts, err2 := tensorsOf(inner); err2 == nil {
					return names, ts, nil
				}
			}
		}
	}
	return nil, nil, err
}

func tensorsOf(d *pyDict) ([]string, []*tensor, error) {
	if len(d.keys) == 0 {
		return nil, nil, errors.New("the state dict is empty")
	}
	names := make([]string, len(d.keys))
	ts := make([]*tensor, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("key %d is %s: a state dict maps tensor names (str) to tensors", i+1, describe(k))
		}
		t, ok := d.vals[i].(*tensor)
		if !ok {
			return nil, nil, fmt.Errorf("%q is %s, not a tensor", printable(name), describe(d.vals[i]))
		}
		names[i], ts[i] = name, t
	}
	return names, ts, nil
}

// build reads each tensor's values out of its storage, checking that its
// size, strides and offset stay inside it.
func build(name, format string, names []string, ts []*tensor, order binary.ByteOrder) (*StateDict, error) {
	sd := &StateDict{Names: names, Tensors: make(map[string]Tensor, len(names)), Format: format}
	left := MaxElements
	for i, t := range ts {
		field := fmt.Sprintf("tensor %q", printable(names[i]))
		data, base, numel, err := t.resolve()
		if err != nil {
			return nil, bad(name, field, "%v", err)
		}
		count, last, err := extent(t, left)
		if err != nil {
			return nil, bad(name, field, "%v", err)
		}
		if count > 0 && last >= numel {
			return nil, bad(name, field, "size %v, stride %v at offset %d reach element %d of a storage of %d", t.size, t.stride, t.offset, last, numel)
		}
		left -= count
		esize := t.st.dtype.size()
		out := Tensor{Dtype: t.st.dtype.String(), Shape: make([]int, len(t.size)), Data: make([]float32, count)}
		for k, s := range t.size {
			out.Shape[k] = int(s)
		}
		if contiguous(t) { // the usual case: one run of elements
			src := data[(base+t.offset)*esize:]
			for j := range out.Data {
				out.Data[j] = t.st.dtype.value(src[int64(j)*esize:], order)
			}
			sd.Tensors[names[i]] = out
			continue
		}
		// walk the strided indices in row-major order
		idx := make([]int64, len(t.size))
		for j := range out.Data {
			e := base + t.offset
			for k, x := range idx {
				e += x * t.stride[k]
			}
			out.Data[j] = t.st.dtype.value(data[e*esize:(e+1)*esize], order)
			for k := len(idx) - 1; k >= 0; k-- {
				if idx[k]++; idx[k] < t.size[k] {
					break
				}
				idx[k] = 0
			}
		}
		sd.Tensors[names[i]] = out // names are unique: they were dict keys
	}
	return sd, nil
}

// contiguous reports strides that walk the storage in order.
func contiguous(t *tensor) bool {
	n := int64(1)
	for k := len(t.size) - 1; k >= 0; k-- {
		if t.size[k] != 1 && t.stride[k] != n {
			return false
		}
		n *= t.size[k]
	}
	return true
}

// resolve gives a tensor's storage bytes, where its storage (a view)
// starts in them, and how many elements it has.
func (t *tensor) resolve() ([]byte, int64, int64, error) {
	st := t.st
	if st.root == nil {
		if int64(len(st.data)) < st.numel*st.dtype.size() {
			return nil, 0, 0, fmt.Errorf("its storage %s was never read", printable(st.key))
		}
		return st.data, 0, st.numel, nil
	}
	r := st.root
	if r.root != nil || r.dtype != st.dtype || int64(len(r.data)) < r.numel*r.dtype.size() {
		return nil, 0, 0, fmt.Errorf("its storage view %s has no root storage read", printable(st.key))
	}
	if st.off > r.numel || st.numel > r.numel-st.off {
		return nil, 0, 0, fmt.Errorf("storage view %s (elements %d to %d) outside its root of %d", printable(st.key), st.off, st.off+st.numel, r.numel)
	}
	return r.data, st.off, st.numel, nil
}

// extent is a tensor's number of elements (at most limit) and the last
// storage element it reaches, both computed without overflow.
func extent(t *tensor, limit int64) (count, last int64, err error) {
	count = 1
	for _, s := range t.size {
		if s != 0 && count > limit/s {
			return 0, 0, fmt.Errorf("size %v: more than %d values in the file", t.size, MaxElements)
		}
		count *= s
	}
	if count == 0 {
		return 0, 0, nil
	}
	last = t.offset
	const most = int64(1) << 62
	for k, s := range t.size {
		if t.stride[k] != 0 && (s-1) > (most-last)/t.stride[k] {
			return 0, 0, fmt.Errorf("size %v, stride %v: past any storage", t.size, t.stride)
		}
		last += (s - 1) * t.stride[k]
	}
	return count, last, nil
}
