package voc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// SyntaxError is a malformed-XML error with the 1-based line it was found on.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// maxDepth matches etree's default nesting limit.
const maxDepth = 1024

// xmlSink receives a document's tokens from the tokenizer. Byte slices are
// only valid during the call. Two sinks exist: treeSink builds the etree
// tree the editor saves through, and vocSink pulls out just the VOC fields
// for read-only passes (check, split, training) without building a tree.
// Both see the same tokens, so both agree on what is malformed.
type xmlSink interface {
	start(tag []byte)
	attr(key []byte, val []byte)
	end()
	text(data []byte)
	comment(data []byte)
	procInst(target, inst []byte)
}

// errDirective asks the caller to fall back to etree's own reader.
var errDirective = errors.New("document has a <! directive")

// tokenize reads a whole document and feeds it to sink. It exists because
// etree's reader goes through encoding/xml, several times slower on small
// files and without line numbers for mismatched tags; a differential fuzz
// test holds its trees to the ones etree builds.
type tokenizer struct {
	data  []byte
	pos   int
	stack [][]byte // open tag names, pointing into data
	buf   []byte
}

func (p *tokenizer) fail(at int, format string, args ...any) error {
	if at > len(p.data) {
		at = len(p.data)
	}
	return &SyntaxError{Line: bytes.Count(p.data[:at], []byte{'\n'}) + 1, Msg: fmt.Sprintf(format, args...)}
}

// prepare strips a BOM, converts Latin-1 to UTF-8 and checks the encoding.
func prepare(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data, err := decodeCharset(data)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		p := tokenizer{data: data}
		return nil, p.fail(invalidUTF8At(data), "invalid UTF-8")
	}
	return data, nil
}

func tokenize(data []byte, sink xmlSink) error {
	p := tokenizer{data: data}
	sawRoot := false
	for p.pos < len(p.data) {
		if p.data[p.pos] != '<' {
			start := p.pos
			text, err := p.text()
			if err != nil {
				return err
			}
			if len(p.stack) == 0 && !isSpaceBytes(text) {
				return p.fail(start, "text outside the root element")
			}
			sink.text(text)
			continue
		}
		start := p.pos
		rest := p.data[p.pos:]
		var next byte
		if len(rest) > 1 {
			next = rest[1]
		}
		switch {
		case next == '?':
			if err := p.procInst(sink); err != nil {
				return err
			}
		case next == '!' && bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("--"))
			if end < 0 {
				return p.fail(start, "unterminated comment")
			}
			if len(rest) < 4+end+3 || rest[4+end+2] != '>' {
				return p.fail(start, `"--" inside a comment`)
			}
			sink.comment(rest[4 : 4+end])
			p.pos += 4 + end + 3
		case next == '!' && bytes.HasPrefix(rest, []byte("<![CDATA[")):
			if len(p.stack) == 0 {
				return p.fail(start, "CDATA outside the root element")
			}
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return p.fail(start, "unterminated CDATA section")
			}
			sink.text(normalizeNewlines(rest[9 : 9+end]))
			p.pos += 9 + end + 3
		case next == '!':
			return errDirective
		case next == '/':
			if err := p.endTag(sink); err != nil {
				return err
			}
		default:
			if len(p.stack) == 0 && sawRoot {
				return p.fail(start, "more than one root element")
			}
			sawRoot = true
			if err := p.startTag(sink); err != nil {
				return err
			}
		}
	}
	if len(p.stack) > 0 {
		return p.fail(len(p.data), "unexpected end of file: <%s> is not closed", p.stack[len(p.stack)-1])
	}
	if !sawRoot {
		return p.fail(len(p.data), "no root element")
	}
	return nil
}

// decodeCharset turns a Latin-1 document into UTF-8 and rewrites its
// declaration to match, since everything downstream is UTF-8.
func decodeCharset(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return data, nil
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return data, nil
	}
	decl := string(data[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return data, nil
	}
	v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
		return data, nil
	}
	j := strings.IndexByte(v[1:], v[0])
	if j < 0 {
		return data, nil
	}
	switch strings.ToLower(v[1 : 1+j]) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return data, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "windows-1252", "cp1252":
		out := make([]byte, 0, len(data)+len(data)/8)
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return bytes.Replace(out, []byte(v[:j+2]), []byte(`"UTF-8"`), 1), nil
	}
	return nil, &SyntaxError{Line: 1, Msg: fmt.Sprintf("unsupported encoding %q (save the file as UTF-8)", v[1:1+j])}
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func isSpaceBytes(s []byte) bool {
	for _, c := range s {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *tokenizer) skipSpace() {
	for p.pos < len(p.data) && isSpaceByte(p.data[p.pos]) {
		p.pos++
	}
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

func (p *tokenizer) name() ([]byte, error) {
	start := p.pos
	if p.pos >= len(p.data) || !isNameStart(p.data[p.pos]) {
		return nil, p.fail(start, "expected a name")
	}
	for p.pos < len(p.data) && isNameByte(p.data[p.pos]) {
		p.pos++
	}
	n := p.data[start:p.pos]
	// Namespaces allow one colon between a non-empty prefix and local name.
	if i := bytes.IndexByte(n, ':'); i >= 0 && (i == 0 || i == len(n)-1 || bytes.Count(n, []byte{':'}) > 1) {
		return nil, p.fail(start, "malformed name %q", n)
	}
	return n, nil
}

func (p *tokenizer) startTag(sink xmlSink) error {
	start := p.pos
	p.pos++ // '<'
	tag, err := p.name()
	if err != nil {
		return err
	}
	if len(p.stack) >= maxDepth {
		return p.fail(start, "elements nested deeper than %d", maxDepth)
	}
	sink.start(tag)
	for {
		hadSpace := p.pos < len(p.data) && isSpaceByte(p.data[p.pos])
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.fail(start, "unterminated tag <%s>", tag)
		}
		switch c := p.data[p.pos]; {
		case c == '>':
			p.pos++
			p.stack = append(p.stack, tag)
			return nil
		case c == '/':
			if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '>' {
				return p.fail(p.pos, "expected /> in tag <%s>", tag)
			}
			p.pos += 2
			sink.end()
			return nil
		case !hadSpace:
			return p.fail(p.pos, "expected space before attribute in tag <%s>", tag)
		}
		key, err := p.name()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '=' {
			return p.fail(p.pos, "attribute %q of <%s> has no value", key, tag)
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(p.data) || (p.data[p.pos] != '"' && p.data[p.pos] != '\'') {
			return p.fail(p.pos, "value of attribute %q of <%s> is not quoted", key, tag)
		}
		q := p.data[p.pos]
		end := bytes.IndexByte(p.data[p.pos+1:], q)
		if end < 0 {
			return p.fail(p.pos, "unterminated value of attribute %q", key)
		}
		raw := p.data[p.pos+1 : p.pos+1+end]
		if bytes.IndexByte(raw, '<') >= 0 {
			return p.fail(p.pos, "'<' in the value of attribute %q", key)
		}
		val, err := p.unescape(raw, p.pos+1)
		if err != nil {
			return err
		}
		p.pos += end + 2
		sink.attr(key, val)
	}
}

func (p *tokenizer) endTag(sink xmlSink) error {
	start := p.pos
	p.pos += 2
	tag, err := p.name()
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != '>' {
		return p.fail(start, "unterminated end tag </%s>", tag)
	}
	p.pos++
	if len(p.stack) == 0 {
		return p.fail(start, "unexpected end tag </%s>", tag)
	}
	if top := p.stack[len(p.stack)-1]; !bytes.Equal(top, tag) {
		return p.fail(start, "element <%s> closed by </%s>", top, tag)
	}
	p.stack = p.stack[:len(p.stack)-1]
	sink.end()
	return nil
}

func (p *tokenizer) procInst(sink xmlSink) error {
	start := p.pos
	p.pos += 2
	target, err := p.name()
	if err != nil {
		return err
	}
	end := bytes.Index(p.data[p.pos:], []byte("?>"))
	if end < 0 {
		return p.fail(start, "unterminated processing instruction")
	}
	inst := p.data[p.pos : p.pos+end]
	if len(inst) > 0 && !isSpaceByte(inst[0]) {
		return p.fail(start, "malformed processing instruction <?%s", target)
	}
	if bytes.EqualFold(target, []byte("xml")) && (start != 0 || string(target) != "xml") {
		return p.fail(start, "misplaced XML declaration")
	}
	sink.procInst(target, bytes.TrimLeft(inst, " \t\r\n"))
	p.pos += end + 2
	return nil
}

func (p *tokenizer) text() ([]byte, error) {
	start := p.pos
	end := bytes.IndexByte(p.data[p.pos:], '<')
	if end < 0 {
		end = len(p.data) - p.pos
	}
	raw := p.data[start : start+end]
	p.pos += end
	// One pass: plain text (the indentation between elements, most
	// values) comes back as it is.
	for _, c := range raw {
		if c == '&' || c == '\r' || c == ']' || c < 0x20 && c != '\t' && c != '\n' {
			if bytes.Contains(raw, []byte("]]>")) {
				return nil, p.fail(start, `"]]>" in text`)
			}
			return p.unescape(raw, start)
		}
	}
	return raw, nil
}

// unescape resolves entities and folds CR LF to LF, as XML requires. The
// result aliases the input when there is nothing to do.
func (p *tokenizer) unescape(raw []byte, at int) ([]byte, error) {
	simple := true
	for _, c := range raw {
		if c == '&' || c == '\r' || c < 0x20 && c != '\t' && c != '\n' {
			simple = false
			break
		}
	}
	if simple {
		return raw, nil
	}
	out := p.buf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\r':
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case c < 0x20 && c != '\t' && c != '\n':
			return nil, p.fail(at+i, "illegal character 0x%02x", c)
		case c == '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				return nil, p.fail(at+i, "'&' not part of an entity (write &amp;)")
			}
			ent := string(raw[i+1 : i+semi])
			r, ok := entity(ent)
			if !ok {
				return nil, p.fail(at+i, "unknown entity &%s;", ent)
			}
			out = utf8.AppendRune(out, r)
			i += semi
		default:
			out = append(out, c)
		}
	}
	p.buf = out
	return out, nil
}

func entity(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if name[1] == 'x' {
		n, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(name[1:], 10, 32)
	}
	r := rune(n)
	if err != nil || !validXMLChar(r) {
		return 0, false
	}
	return r, true
}

func validXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// treeSink builds an etree document.
type treeSink struct {
	doc   *etree.Document
	stack []*etree.Element
}

func (s *treeSink) top() *etree.Element { return s.stack[len(s.stack)-1] }

func (s *treeSink) start(tag []byte) {
	s.stack = append(s.stack, s.top().CreateElement(string(tag)))
}

func (s *treeSink) attr(key, val []byte) { s.top().CreateAttr(string(key), string(val)) }
func (s *treeSink) end()                 { s.stack = s.stack[:len(s.stack)-1] }

func (s *treeSink) text(data []byte) {
	c := s.top().CreateText(string(data))
	if isSpaceBytes(data) {
		c.SetData(c.Data) // marks it as whitespace, as etree's reader does
	}
}

func (s *treeSink) comment(data []byte) { s.top().CreateComment(string(data)) }
func (s *treeSink) procInst(target, inst []byte) {
	s.top().CreateProcInst(string(target), string(inst))
}

// parseXML reads a whole document into an etree tree.
func parseXML(data []byte) (*etree.Document, error) {
	data, err := prepare(data)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	s := &treeSink{doc: doc, stack: []*etree.Element{&doc.Element}}
	// start() pushes even self-closing elements; end() pops them again.
	err = tokenize(data, s)
	if errors.Is(err, errDirective) {
		return etreeFallback(data)
	}
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// etreeFallback hands documents with a DOCTYPE (rare in VOC) to etree's
// own reader, whose bracket and quote rules for directives we then match
// exactly instead of re-implementing them.
func etreeFallback(data []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
		}
		return nil, &SyntaxError{Line: 1, Msg: err.Error()}
	}
	if doc.Root() == nil {
		return nil, &SyntaxError{Line: 1, Msg: "no root element"}
	}
	return doc, nil
}
