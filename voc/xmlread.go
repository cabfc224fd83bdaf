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

// parseXML reads a whole document into an etree tree. It exists because
// etree's reader goes through encoding/xml, which is several times slower
// on small files and reports mismatched tags without a line number; the tree
// it builds is the one etree itself builds (a differential fuzz test holds
// the two to that), so writing goes through etree unchanged.
func parseXML(data []byte) (*etree.Document, error) {
	p := xmlParser{data: data}
	return p.parse()
}

type xmlParser struct {
	data  []byte
	pos   int
	stack []*etree.Element
	buf   []byte
}

func (p *xmlParser) fail(at int, format string, args ...any) error {
	if at > len(p.data) {
		at = len(p.data)
	}
	return &SyntaxError{Line: bytes.Count(p.data[:at], []byte{'\n'}) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *xmlParser) parse() (*etree.Document, error) {
	p.data = bytes.TrimPrefix(p.data, []byte("\xef\xbb\xbf"))
	if err := p.decodeCharset(); err != nil {
		return nil, err
	}
	if !utf8.Valid(p.data) {
		return nil, p.fail(invalidUTF8At(p.data), "invalid UTF-8")
	}
	doc := etree.NewDocument()
	p.stack = append(p.stack[:0], &doc.Element)
	sawRoot := false
	for p.pos < len(p.data) {
		top := p.stack[len(p.stack)-1]
		if p.data[p.pos] != '<' {
			start := p.pos
			text, err := p.text()
			if err != nil {
				return nil, err
			}
			if len(p.stack) == 1 && !isSpace(text) {
				return nil, p.fail(start, "text outside the root element")
			}
			addText(top, text)
			continue
		}
		start := p.pos
		rest := p.data[p.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := p.procInst(top); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("--"))
			if end < 0 {
				return nil, p.fail(start, "unterminated comment")
			}
			if len(rest) < 4+end+3 || rest[4+end+2] != '>' {
				return nil, p.fail(start, `"--" inside a comment`)
			}
			top.CreateComment(string(rest[4 : 4+end]))
			p.pos += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			if len(p.stack) == 1 {
				return nil, p.fail(start, "CDATA outside the root element")
			}
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return nil, p.fail(start, "unterminated CDATA section")
			}
			addText(top, normalizeNewlines(rest[9:9+end]))
			p.pos += 9 + end + 3
		case bytes.HasPrefix(rest, []byte("<!")):
			return p.etreeFallback()
		case bytes.HasPrefix(rest, []byte("</")):
			if err := p.endTag(); err != nil {
				return nil, err
			}
		default:
			if len(p.stack) == 1 && sawRoot {
				return nil, p.fail(start, "more than one root element")
			}
			sawRoot = true
			if err := p.startTag(top); err != nil {
				return nil, err
			}
		}
	}
	if len(p.stack) > 1 {
		return nil, p.fail(len(p.data), "unexpected end of file: <%s> is not closed", p.stack[len(p.stack)-1].FullTag())
	}
	if !sawRoot {
		return nil, p.fail(len(p.data), "no root element")
	}
	return doc, nil
}

// decodeCharset turns a Latin-1 document into UTF-8 and rewrites its
// declaration to match, since everything downstream is UTF-8.
func (p *xmlParser) decodeCharset() error {
	if !bytes.HasPrefix(p.data, []byte("<?xml")) {
		return nil
	}
	end := bytes.Index(p.data, []byte("?>"))
	if end < 0 {
		return nil
	}
	decl := string(p.data[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return nil
	}
	v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
		return nil
	}
	j := strings.IndexByte(v[1:], v[0])
	if j < 0 {
		return nil
	}
	enc := strings.ToLower(v[1 : 1+j])
	switch enc {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "windows-1252", "cp1252":
		out := make([]byte, 0, len(p.data)+len(p.data)/8)
		for _, b := range p.data {
			out = utf8.AppendRune(out, rune(b))
		}
		p.data = bytes.Replace(out, []byte(v[:j+2]), []byte(`"UTF-8"`), 1)
		return nil
	}
	return p.fail(0, "unsupported encoding %q (save the file as UTF-8)", enc)
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

func addText(e *etree.Element, s string) {
	c := e.CreateText(s)
	if isSpace(s) {
		c.SetData(s) // marks it as whitespace, as etree's reader does
	}
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *xmlParser) skipSpace() {
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

func (p *xmlParser) name() (string, error) {
	start := p.pos
	if p.pos >= len(p.data) || !isNameStart(p.data[p.pos]) {
		return "", p.fail(start, "expected a name")
	}
	for p.pos < len(p.data) && isNameByte(p.data[p.pos]) {
		p.pos++
	}
	n := string(p.data[start:p.pos])
	// Namespaces allow one colon between a non-empty prefix and local name.
	if i := strings.IndexByte(n, ':'); i >= 0 && (i == 0 || i == len(n)-1 || strings.Count(n, ":") > 1) {
		return "", p.fail(start, "malformed name %q", n)
	}
	return n, nil
}

func (p *xmlParser) startTag(parent *etree.Element) error {
	start := p.pos
	p.pos++ // '<'
	tag, err := p.name()
	if err != nil {
		return err
	}
	if len(p.stack) > maxDepth {
		return p.fail(start, "elements nested deeper than %d", maxDepth)
	}
	e := parent.CreateElement(tag)
	for {
		hadSpace := p.pos < len(p.data) && isSpaceByte(p.data[p.pos])
		p.skipSpace()
		if p.pos >= len(p.data) {
			return p.fail(start, "unterminated tag <%s>", tag)
		}
		switch c := p.data[p.pos]; {
		case c == '>':
			p.pos++
			p.stack = append(p.stack, e)
			return nil
		case c == '/':
			if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '>' {
				return p.fail(p.pos, "expected /> in tag <%s>", tag)
			}
			p.pos += 2
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
		e.CreateAttr(key, val)
	}
}

func (p *xmlParser) endTag() error {
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
	if len(p.stack) == 1 {
		return p.fail(start, "unexpected end tag </%s>", tag)
	}
	top := p.stack[len(p.stack)-1]
	if top.FullTag() != tag {
		return p.fail(start, "element <%s> closed by </%s>", top.FullTag(), tag)
	}
	p.stack = p.stack[:len(p.stack)-1]
	return nil
}

func (p *xmlParser) procInst(parent *etree.Element) error {
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
	if strings.EqualFold(target, "xml") && (start != 0 || target != "xml") {
		return p.fail(start, "misplaced XML declaration")
	}
	parent.CreateProcInst(target, strings.TrimLeft(string(inst), " \t\r\n"))
	p.pos += end + 2
	return nil
}

// etreeFallback hands documents with a DOCTYPE (rare in VOC) to etree's
// own reader, whose bracket and quote rules for directives we then match
// exactly instead of re-implementing them.
func (p *xmlParser) etreeFallback() (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(p.data); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
		}
		return nil, &SyntaxError{Line: 1, Msg: err.Error()}
	}
	if doc.Root() == nil {
		return nil, p.fail(len(p.data), "no root element")
	}
	return doc, nil
}

func (p *xmlParser) text() (string, error) {
	start := p.pos
	end := bytes.IndexByte(p.data[p.pos:], '<')
	if end < 0 {
		end = len(p.data) - p.pos
	}
	raw := p.data[start : start+end]
	p.pos += end
	if bytes.Contains(raw, []byte("]]>")) {
		return "", p.fail(start, `"]]>" in text`)
	}
	return p.unescape(raw, start)
}

// unescape resolves entities and folds CR LF to LF, as XML requires.
func (p *xmlParser) unescape(raw []byte, at int) (string, error) {
	simple := true
	for _, c := range raw {
		if c == '&' || c == '\r' || c < 0x20 && c != '\t' && c != '\n' {
			simple = false
			break
		}
	}
	if simple {
		return string(raw), nil
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
			return "", p.fail(at+i, "illegal character 0x%02x", c)
		case c == '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				return "", p.fail(at+i, "'&' not part of an entity (write &amp;)")
			}
			ent := string(raw[i+1 : i+semi])
			r, ok := entity(ent)
			if !ok {
				return "", p.fail(at+i, "unknown entity &%s;", ent)
			}
			out = utf8.AppendRune(out, r)
			i += semi
		default:
			out = append(out, c)
		}
	}
	p.buf = out
	return string(out), nil
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

func normalizeNewlines(b []byte) string {
	if bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
