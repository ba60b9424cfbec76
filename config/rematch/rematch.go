// Package rematch is a small regular-expression matcher for metadata checks.
// It accepts a subset of Go's RE2 syntax and always matches the whole value,
// in time linear in the input (a Thompson/Pike NFA simulation, no
// backtracking). It exists because Go's regexp package, with the Unicode
// tables it references, would add about 130 KB to the compiled filter.
//
// Supported: literals, '.', character classes ([a-z], [^...], escapes inside),
// \d \w \s \D \W \S, escaped punctuation, \t \n \r \f \v, groups ( ), (?: ),
// (?P<name> ) and (?<name> ), alternation |, repetition * + ? {n} {n,} {n,m}
// (n, m <= 100, optionally followed by '?'), and the anchors ^ and $.
// Anything else (flags such as (?i), \b, \pL, [[:alpha:]], \x escapes, ...)
// is refused with an error, never silently read differently from Go.
package rematch

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Limits.
const (
	MaxRepeat = 100  // largest {n,m} bound
	MaxInsts  = 2000 // largest compiled program
)

// Regexp is a compiled pattern; it is immutable and safe for concurrent use.
type Regexp struct {
	prog []inst
}

type opcode uint8

const (
	opClass opcode = iota // consume one rune in ranges (or not in, if neg)
	opSplit               // continue at x and y
	opJmp                 // continue at x
	opBegin               // assert start of input
	opEnd                 // assert end of input
	opMatch
)

type inst struct {
	op     opcode
	neg    bool
	ranges []rune // pairs lo, hi (inclusive)
	x, y   int
}

// node is the parse tree.
type node struct {
	kind     nodeKind
	ranges   []rune
	neg      bool
	subs     []*node
	min, max int // repeat; max -1 = unbounded
}

type nodeKind uint8

const (
	nClass nodeKind = iota
	nConcat
	nAlt
	nRepeat
	nBegin
	nEnd
	nEmpty
)

// Compile parses pattern. Errors name the problem and its byte offset.
func Compile(pattern string) (*Regexp, error) {
	if !utf8.ValidString(pattern) {
		return nil, errors.New("pattern is not valid UTF-8")
	}
	p := &parser{s: pattern}
	n, err := p.alt()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.s) {
		return nil, p.errf("unexpected )")
	}
	c := &compiler{}
	if err := c.emit(n); err != nil {
		return nil, err
	}
	c.add(inst{op: opMatch})
	if len(c.prog) > MaxInsts {
		return nil, errors.New("pattern too large (more than " + strconv.Itoa(MaxInsts) + " instructions after expanding repetitions)")
	}
	return &Regexp{prog: c.prog}, nil
}

type parser struct {
	s     string
	i     int
	depth int
}

func (p *parser) errf(msg string) error {
	return errors.New(msg + " at offset " + strconv.Itoa(p.i))
}

func (p *parser) alt() (*node, error) {
	var alts []*node
	for {
		c, err := p.concat()
		if err != nil {
			return nil, err
		}
		alts = append(alts, c)
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		break
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &node{kind: nAlt, subs: alts}, nil
}

func (p *parser) concat() (*node, error) {
	var items []*node
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '|' || c == ')' {
			break
		}
		atom, err := p.atom()
		if err != nil {
			return nil, err
		}
		atom, err = p.repeat(atom)
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	switch len(items) {
	case 0:
		return &node{kind: nEmpty}, nil
	case 1:
		return items[0], nil
	}
	return &node{kind: nConcat, subs: items}, nil
}

func (p *parser) atom() (*node, error) {
	c := p.s[p.i]
	switch c {
	case '(':
		p.i++
		if p.depth >= 100 {
			return nil, p.errf("groups nested too deeply")
		}
		if p.i < len(p.s) && p.s[p.i] == '?' {
			switch {
			case hasPrefixAt(p.s, p.i, "?:"):
				p.i += 2
			case hasPrefixAt(p.s, p.i, "?P<") || hasPrefixAt(p.s, p.i, "?<"):
				start := p.i
				for p.i < len(p.s) && p.s[p.i] != '>' {
					p.i++
				}
				name := p.s[start:p.i]
				if p.i >= len(p.s) || !validGroupName(name[indexByte(name, '<')+1:]) {
					return nil, p.errf("invalid group name")
				}
				p.i++
			default:
				return nil, p.errf("unsupported group flags (only (?: ) and named groups)")
			}
		}
		p.depth++
		n, err := p.alt()
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errf("missing )")
		}
		p.i++
		return n, nil
	case '[':
		return p.class()
	case '.':
		p.i++
		return &node{kind: nClass, ranges: []rune{'\n', '\n'}, neg: true}, nil
	case '^':
		p.i++
		return &node{kind: nBegin}, nil
	case '$':
		p.i++
		return &node{kind: nEnd}, nil
	case '*', '+', '?':
		return nil, p.errf("missing argument to repetition operator")
	case '{':
		if _, _, _, ok := parseBraces(p.s, p.i); ok {
			return nil, p.errf("missing argument to repetition operator")
		}
	case '\\':
		ranges, neg, err := p.escape(false)
		if err != nil {
			return nil, err
		}
		return &node{kind: nClass, ranges: ranges, neg: neg}, nil
	}
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += size
	return &node{kind: nClass, ranges: []rune{r, r}}, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func hasPrefixAt(s string, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && s[i:i+len(prefix)] == prefix
}

func validGroupName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// repeat parses an optional repetition operator after atom.
func (p *parser) repeat(atom *node) (*node, error) {
	if p.i >= len(p.s) {
		return atom, nil
	}
	min, max := -1, -1
	start := p.i
	switch p.s[p.i] {
	case '*':
		min, max = 0, -1
		p.i++
	case '+':
		min, max = 1, -1
		p.i++
	case '?':
		min, max = 0, 1
		p.i++
	case '{':
		lo, hi, end, ok := parseBraces(p.s, p.i)
		if !ok {
			return atom, nil // a literal '{', as in Go
		}
		if lo > MaxRepeat || hi > MaxRepeat {
			return nil, p.errf("repetition count above " + strconv.Itoa(MaxRepeat))
		}
		if hi >= 0 && hi < lo {
			return nil, p.errf("invalid repeat count")
		}
		min, max = lo, hi
		p.i = end
	default:
		return atom, nil
	}
	if p.i < len(p.s) && p.s[p.i] == '?' {
		p.i++ // non-greedy: the same set of whole matches
	}
	if p.i < len(p.s) && (p.s[p.i] == '*' || p.s[p.i] == '+' || p.s[p.i] == '?' ||
		p.s[p.i] == '{' && func() bool { _, _, _, ok := parseBraces(p.s, p.i); return ok }()) {
		return nil, errors.New("invalid nested repetition operator at offset " + strconv.Itoa(start))
	}
	if atom.kind == nBegin || atom.kind == nEnd || atom.kind == nEmpty {
		return nil, errors.New("repetition of an empty expression at offset " + strconv.Itoa(start))
	}
	return &node{kind: nRepeat, subs: []*node{atom}, min: min, max: max}, nil
}

// parseBraces parses {n}, {n,} or {n,m} at s[i]; ok false if it is not one.
func parseBraces(s string, i int) (lo, hi, end int, ok bool) {
	j := i + 1
	num := func() (int, bool) {
		k := j
		n := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if n <= 100000 {
				n = n*10 + int(s[j]-'0')
			}
			j++
		}
		if j-k > 1 && s[k] == '0' {
			return 0, false // leading zeros: not a count (a literal, as in Go)
		}
		return n, j > k
	}
	lo, ok = num()
	if !ok {
		return 0, 0, 0, false
	}
	hi = lo
	if j < len(s) && s[j] == ',' {
		j++
		k := j
		if h, got := num(); got {
			hi = h
		} else if j != k {
			return 0, 0, 0, false
		} else {
			hi = -1
		}
	}
	if j >= len(s) || s[j] != '}' {
		return 0, 0, 0, false
	}
	return lo, hi, j + 1, true
}

var (
	digitRanges = []rune{'0', '9'}
	wordRanges  = []rune{'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}
	spaceRanges = []rune{'\t', '\n', '\f', '\r', ' ', ' '}
)

// escape parses a backslash escape at p.i. Inside a class, the Perl classes
// are returned as ranges; negated ones are refused there (kept simple).
func (p *parser) escape(inClass bool) (ranges []rune, neg bool, err error) {
	p.i++ // backslash
	if p.i >= len(p.s) {
		return nil, false, p.errf("trailing backslash")
	}
	c := p.s[p.i]
	p.i++
	switch c {
	case 'd':
		return digitRanges, false, nil
	case 'w':
		return wordRanges, false, nil
	case 's':
		return spaceRanges, false, nil
	case 'D', 'W', 'S':
		if inClass {
			p.i -= 2
			return nil, false, p.errf("negated class escape inside [ ] is not supported")
		}
		switch c {
		case 'D':
			return digitRanges, true, nil
		case 'W':
			return wordRanges, true, nil
		}
		return spaceRanges, true, nil
	case 't':
		return []rune{'\t', '\t'}, false, nil
	case 'n':
		return []rune{'\n', '\n'}, false, nil
	case 'r':
		return []rune{'\r', '\r'}, false, nil
	case 'f':
		return []rune{'\f', '\f'}, false, nil
	case 'v':
		return []rune{'\v', '\v'}, false, nil
	}
	if c < utf8.RuneSelf && !isAlnum(c) {
		return []rune{rune(c), rune(c)}, false, nil
	}
	p.i -= 2
	return nil, false, p.errf("unsupported escape \\" + string(rune(c)))
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// class parses [...].
func (p *parser) class() (*node, error) {
	start := p.i
	p.i++ // [
	n := &node{kind: nClass}
	if p.i < len(p.s) && p.s[p.i] == '^' {
		n.neg = true
		p.i++
	}
	first := true
	for {
		if p.i >= len(p.s) {
			p.i = start
			return nil, p.errf("missing ]")
		}
		c := p.s[p.i]
		if c == ']' && !first {
			p.i++
			break
		}
		if c == '[' && p.i+1 < len(p.s) && p.s[p.i+1] == ':' {
			return nil, p.errf("POSIX classes like [:alpha:] are not supported")
		}
		first = false
		lo, single, err := p.classAtom(&n.ranges)
		if err != nil {
			return nil, err
		}
		if !single {
			if p.i+1 < len(p.s) && p.s[p.i] == '-' && p.s[p.i+1] != ']' {
				return nil, p.errf("invalid character class range")
			}
			continue
		}
		if p.i+1 < len(p.s) && p.s[p.i] == '-' && p.s[p.i+1] != ']' {
			p.i++
			var dummy []rune
			hi, single2, err := p.classAtom(&dummy)
			if err != nil {
				return nil, err
			}
			if !single2 || hi < lo {
				return nil, p.errf("invalid character class range")
			}
			n.ranges = append(n.ranges, lo, hi)
			continue
		}
		n.ranges = append(n.ranges, lo, lo)
	}
	return n, nil
}

// classAtom reads one class member: a rune (single true, returned) or a Perl
// class escape (appended to ranges).
func (p *parser) classAtom(ranges *[]rune) (rune, bool, error) {
	if p.s[p.i] == '\\' {
		rs, _, err := p.escape(true)
		if err != nil {
			return 0, false, err
		}
		if len(rs) == 2 && rs[0] == rs[1] {
			return rs[0], true, nil
		}
		*ranges = append(*ranges, rs...)
		return 0, false, nil
	}
	r, size := utf8.DecodeRuneInString(p.s[p.i:])
	p.i += size
	return r, true, nil
}

type compiler struct {
	prog []inst
}

func (c *compiler) add(in inst) int {
	c.prog = append(c.prog, in)
	return len(c.prog) - 1
}

func (c *compiler) emit(n *node) error {
	if len(c.prog) > MaxInsts {
		return errors.New("pattern too large (more than " + strconv.Itoa(MaxInsts) + " instructions after expanding repetitions)")
	}
	switch n.kind {
	case nEmpty:
	case nClass:
		c.add(inst{op: opClass, ranges: n.ranges, neg: n.neg})
	case nBegin:
		c.add(inst{op: opBegin})
	case nEnd:
		c.add(inst{op: opEnd})
	case nConcat:
		for _, s := range n.subs {
			if err := c.emit(s); err != nil {
				return err
			}
		}
	case nAlt:
		var jumps []int
		for k, s := range n.subs {
			if k < len(n.subs)-1 {
				split := c.add(inst{op: opSplit})
				c.prog[split].x = len(c.prog)
				if err := c.emit(s); err != nil {
					return err
				}
				jumps = append(jumps, c.add(inst{op: opJmp}))
				c.prog[split].y = len(c.prog)
				continue
			}
			if err := c.emit(s); err != nil {
				return err
			}
		}
		for _, j := range jumps {
			c.prog[j].x = len(c.prog)
		}
	case nRepeat:
		sub := n.subs[0]
		for k := 0; k < n.min; k++ {
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		if n.max < 0 {
			// x*: L: split body, out; body; jmp L
			split := c.add(inst{op: opSplit})
			c.prog[split].x = len(c.prog)
			if err := c.emit(sub); err != nil {
				return err
			}
			c.add(inst{op: opJmp, x: split})
			c.prog[split].y = len(c.prog)
			return nil
		}
		var splits []int
		for k := n.min; k < n.max; k++ {
			split := c.add(inst{op: opSplit})
			c.prog[split].x = len(c.prog)
			splits = append(splits, split)
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		for _, s := range splits {
			c.prog[s].y = len(c.prog)
		}
	}
	return nil
}

// MatchString reports whether the whole of s matches.
func (re *Regexp) MatchString(s string) bool {
	n := len(re.prog)
	// Two thread lists plus a generation mark per instruction.
	mem := make([]int32, 3*n)
	clist, nlist, mark := mem[:0:n], mem[n:n:2*n], mem[2*n:]
	gen := int32(0)
	gen++
	clist = re.addThread(clist, mark, gen, 0, 0, len(s))
	for pos := 0; ; {
		if pos >= len(s) {
			for _, pc := range clist {
				if re.prog[pc].op == opMatch {
					return true
				}
			}
			return false
		}
		r, size := utf8.DecodeRuneInString(s[pos:])
		next := pos + size
		gen++
		nlist = nlist[:0]
		for _, pc := range clist {
			in := &re.prog[pc]
			if in.op == opClass && in.matches(r) {
				nlist = re.addThread(nlist, mark, gen, int(pc)+1, next, len(s))
			}
		}
		clist, nlist = nlist, clist
		if len(clist) == 0 {
			return false
		}
		pos = next
	}
}

func (in *inst) matches(r rune) bool {
	hit := false
	for k := 0; k+1 < len(in.ranges); k += 2 {
		if r >= in.ranges[k] && r <= in.ranges[k+1] {
			hit = true
			break
		}
	}
	return hit != in.neg
}

// addThread adds pc and everything reachable from it without consuming input
// (iteratively, with an explicit stack).
func (re *Regexp) addThread(list, mark []int32, gen int32, pc, pos, end int) []int32 {
	var stackBuf [32]int
	stack := append(stackBuf[:0], pc)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if mark[pc] == gen {
			continue
		}
		mark[pc] = gen
		in := &re.prog[pc]
		switch in.op {
		case opJmp:
			stack = append(stack, in.x)
		case opSplit:
			stack = append(stack, in.y, in.x)
		case opBegin:
			if pos == 0 {
				stack = append(stack, pc+1)
			}
		case opEnd:
			if pos == end {
				stack = append(stack, pc+1)
			}
		default:
			list = append(list, int32(pc))
		}
	}
	return list
}
