package dag

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stokehq/stoke/internal/params"
)

// Result is a step outcome a depends expression can test, written STEP.Result.
type Result string

// The depends vocabulary.
const (
	ResultSucceeded    Result = "Succeeded"    // the step (every fan-out child) succeeded
	ResultFailed       Result = "Failed"       // the step's application failed
	ResultErrored      Result = "Errored"      // the step could not be run (bad parameters, bad fan-out input)
	ResultSkipped      Result = "Skipped"      // the step's when condition was false
	ResultOmitted      Result = "Omitted"      // the step never ran: its dependencies were not satisfied
	ResultCompleted    Result = "Completed"    // Succeeded or Failed
	ResultAnySucceeded Result = "AnySucceeded" // at least one fan-out child succeeded
	ResultAllFailed    Result = "AllFailed"    // every fan-out child failed
)

var results = []Result{ResultSucceeded, ResultFailed, ResultErrored, ResultSkipped, ResultOmitted,
	ResultCompleted, ResultAnySucceeded, ResultAllFailed}

// handlesFailure lists the results whose mention in a depends expression means the expression's author
// expects the step may fail: such a failure does not fail the workflow.
var handlesFailure = map[Result]bool{
	ResultFailed: true, ResultErrored: true, ResultCompleted: true, ResultAnySucceeded: true, ResultAllFailed: true,
}

// Limits on expressions, so that no input can exhaust the operator.
const (
	MaxExpressionLength = 4096
	MaxExpressionDepth  = 64
)

// Expression is a parsed depends or when expression.
type Expression struct {
	source string
	root   node
}

// String is the expression as written.
func (e *Expression) String() string { return e.source }

// node is an expression tree node.
type node interface {
	eval(env *environment) (bool, error)
	walk(fn func(node))
}

type (
	andNode     struct{ left, right node }
	orNode      struct{ left, right node }
	notNode     struct{ operand node }
	literalNode struct{ value bool }
	resultNode  struct {
		step   string
		result Result
	}
	compareNode struct {
		left, right operand
		equal       bool
	}
)

// operand of a comparison: a value reference (.Params.env) or a string literal.
type operand struct {
	name    string // without the leading dot; empty for a literal
	literal string
}

// environment is what an expression is evaluated against.
type environment struct {
	result func(step string, r Result) bool
	values params.Values
}

func (n andNode) eval(env *environment) (bool, error) {
	left, err := n.left.eval(env)
	if err != nil || !left {
		return false, err
	}
	return n.right.eval(env)
}

func (n orNode) eval(env *environment) (bool, error) {
	left, err := n.left.eval(env)
	if err != nil || left {
		return left, err
	}
	return n.right.eval(env)
}

func (n notNode) eval(env *environment) (bool, error) {
	v, err := n.operand.eval(env)
	return !v, err
}

func (n literalNode) eval(*environment) (bool, error) { return n.value, nil }

func (n resultNode) eval(env *environment) (bool, error) { return env.result(n.step, n.result), nil }

func (n compareNode) eval(env *environment) (bool, error) {
	left, err := n.left.value(env.values)
	if err != nil {
		return false, err
	}
	right, err := n.right.value(env.values)
	if err != nil {
		return false, err
	}
	return (left == right) == n.equal, nil
}

func (o operand) value(values params.Values) (string, error) {
	if o.name == "" {
		return o.literal, nil
	}
	v, ok := values[o.name]
	if !ok {
		return "", fmt.Errorf("%w .%s", params.ErrUnknownParameter, o.name)
	}
	return v, nil
}

func (n andNode) walk(fn func(node))     { fn(n); n.left.walk(fn); n.right.walk(fn) }
func (n orNode) walk(fn func(node))      { fn(n); n.left.walk(fn); n.right.walk(fn) }
func (n notNode) walk(fn func(node))     { fn(n); n.operand.walk(fn) }
func (n literalNode) walk(fn func(node)) { fn(n) }
func (n resultNode) walk(fn func(node))  { fn(n) }
func (n compareNode) walk(fn func(node)) { fn(n) }

// results lists the STEP.Result atoms of the expression.
func (e *Expression) results() []resultNode {
	var atoms []resultNode
	e.root.walk(func(n node) {
		if r, ok := n.(resultNode); ok {
			atoms = append(atoms, r)
		}
	})
	return atoms
}

// valueNames lists the value names the expression compares.
func (e *Expression) valueNames() []string {
	var names []string
	e.root.walk(func(n node) {
		if c, ok := n.(compareNode); ok {
			for _, o := range []operand{c.left, c.right} {
				if o.name != "" {
					names = append(names, o.name)
				}
			}
		}
	})
	return names
}

// ParseExpression parses a depends or when expression:
//
//	expression := or
//	or         := and { "||" and }
//	and        := unary { "&&" unary }
//	unary      := "!" unary | "(" expression ")" | atom
//	atom       := STEP "." RESULT | value ("==" | "!=") value | "true" | "false"
//	value      := "." NAME { "." NAME } | "string literal"
//
// Step names and value names may contain letters, digits, '_' and '-'. It never panics and bounds the
// input's length and nesting.
func ParseExpression(source string) (*Expression, error) {
	if len(source) > MaxExpressionLength {
		return nil, fmt.Errorf("is %d characters long, at most %d are allowed", len(source), MaxExpressionLength)
	}
	tokens, err := tokenizeExpression(source)
	if err != nil {
		return nil, err
	}
	p := &parser{tokens: tokens}
	if len(tokens) == 1 {
		return nil, fmt.Errorf("is empty")
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokenEnd {
		return nil, fmt.Errorf("unexpected %s at position %d", t.describe(), t.pos+1)
	}
	return &Expression{source: source, root: root}, nil
}

type tokenKind int

const (
	tokenEnd tokenKind = iota
	tokenAnd
	tokenOr
	tokenNot
	tokenOpen
	tokenClose
	tokenEqual
	tokenNotEqual
	tokenWord   // a step result (a.Succeeded), true or false
	tokenValue  // .Params.x
	tokenString // "literal", unquoted
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) describe() string {
	if t.kind == tokenEnd {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

var operators = []struct {
	text string
	kind tokenKind
}{
	{"&&", tokenAnd}, {"||", tokenOr}, {"==", tokenEqual}, {"!=", tokenNotEqual},
	{"!", tokenNot}, {"(", tokenOpen}, {")", tokenClose},
}

func tokenizeExpression(source string) ([]token, error) {
	var tokens []token
	for i := 0; i < len(source); {
		c := source[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if op, ok := matchOperator(source[i:]); ok {
			tokens = append(tokens, token{kind: op.kind, text: op.text, pos: i})
			i += len(op.text)
			continue
		}
		switch {
		case c == '"':
			end, err := stringEnd(source, i)
			if err != nil {
				return nil, err
			}
			text, err := strconv.Unquote(source[i:end])
			if err != nil {
				return nil, fmt.Errorf("string at position %d is not a valid quoted string", i+1)
			}
			tokens = append(tokens, token{kind: tokenString, text: text, pos: i})
			i = end
		case c == '.' || isNameStart(c):
			end := i + 1
			for end < len(source) && (isNameChar(source[end]) || source[end] == '.') {
				end++
			}
			kind := tokenWord
			if c == '.' {
				kind = tokenValue
			}
			tokens = append(tokens, token{kind: kind, text: source[i:end], pos: i})
			i = end
		default:
			r, _ := utf8.DecodeRuneInString(source[i:])
			return nil, fmt.Errorf("unexpected character %q at position %d", r, i+1)
		}
	}
	return append(tokens, token{kind: tokenEnd, pos: len(source)}), nil
}

func matchOperator(s string) (struct {
	text string
	kind tokenKind
}, bool) {
	for _, op := range operators {
		if strings.HasPrefix(s, op.text) {
			return op, true
		}
	}
	return operators[0], false
}

func stringEnd(source string, start int) (int, error) {
	for i := start + 1; i < len(source); i++ {
		switch source[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("string at position %d is not closed", start+1)
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isNameChar(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' || c == '-' }

type parser struct {
	tokens []token
	next   int
}

func (p *parser) peek() token { return p.tokens[p.next] }

func (p *parser) take() token {
	t := p.tokens[p.next]
	if t.kind != tokenEnd {
		p.next++
	}
	return t
}

func (p *parser) or(depth int) (node, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokenOr {
		p.take()
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *parser) and(depth int) (node, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokenAnd {
		p.take()
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *parser) unary(depth int) (node, error) {
	if depth > MaxExpressionDepth {
		return nil, fmt.Errorf("nests deeper than %d levels", MaxExpressionDepth)
	}
	t := p.take()
	switch t.kind {
	case tokenNot:
		operand, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{operand}, nil
	case tokenOpen:
		inner, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if closing := p.take(); closing.kind != tokenClose {
			return nil, fmt.Errorf("expected ) at position %d, found %s", closing.pos+1, closing.describe())
		}
		return inner, nil
	case tokenWord:
		return p.word(t)
	case tokenValue, tokenString:
		return p.comparison(t)
	default:
		return nil, fmt.Errorf("expected a step result, a comparison or ( at position %d, found %s", t.pos+1, t.describe())
	}
}

func (p *parser) word(t token) (node, error) {
	switch t.text {
	case "true":
		return literalNode{true}, nil
	case "false":
		return literalNode{false}, nil
	}
	dot := strings.LastIndexByte(t.text, '.')
	if dot <= 0 {
		return nil, fmt.Errorf("%q at position %d is not STEP.RESULT (for example %s.Succeeded)", t.text, t.pos+1, t.text)
	}
	step, result := t.text[:dot], Result(t.text[dot+1:])
	if strings.Contains(step, ".") || !isNameStart(step[0]) {
		return nil, fmt.Errorf("%q at position %d is not a step name", step, t.pos+1)
	}
	for _, known := range results {
		if result == known {
			return resultNode{step: step, result: result}, nil
		}
	}
	return nil, fmt.Errorf("unknown result %q at position %d (the results are %s)", string(result), t.pos+dot+2, resultList())
}

func resultList() string {
	names := make([]string, len(results))
	for i, r := range results {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func (p *parser) comparison(first token) (node, error) {
	left, err := toOperand(first)
	if err != nil {
		return nil, err
	}
	op := p.take()
	if op.kind != tokenEqual && op.kind != tokenNotEqual {
		return nil, fmt.Errorf("expected == or != at position %d, found %s", op.pos+1, op.describe())
	}
	second := p.take()
	if second.kind != tokenValue && second.kind != tokenString {
		return nil, fmt.Errorf("expected a value or a string at position %d, found %s", second.pos+1, second.describe())
	}
	right, err := toOperand(second)
	if err != nil {
		return nil, err
	}
	return compareNode{left: left, right: right, equal: op.kind == tokenEqual}, nil
}

func toOperand(t token) (operand, error) {
	if t.kind == tokenString {
		return operand{literal: t.text}, nil
	}
	name := t.text[1:]
	for _, segment := range strings.Split(name, ".") {
		if segment == "" || !isNameStart(segment[0]) {
			return operand{}, fmt.Errorf("%q at position %d is not a valid value name (for example .Params.env)", t.text, t.pos+1)
		}
	}
	return operand{name: name}, nil
}

// stepsOf lists, sorted and without repeats, the step names an expression mentions: in STEP.Result atoms
// and in .Steps.STEP.* values.
func (e *Expression) stepsOf() []string {
	seen := map[string]bool{}
	for _, atom := range e.results() {
		seen[atom.step] = true
	}
	for _, name := range e.valueNames() {
		if step, ok := stepOfValue(name); ok {
			seen[step] = true
		}
	}
	steps := make([]string, 0, len(seen))
	for s := range seen {
		steps = append(steps, s)
	}
	sort.Strings(steps)
	return steps
}

// stepOfValue returns STEP for a value name Steps.STEP.OUTPUT.
func stepOfValue(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "Steps.")
	if !ok {
		return "", false
	}
	step, _, ok := strings.Cut(rest, ".")
	return step, ok && step != ""
}
