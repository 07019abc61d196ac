package params

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	open  = "{{"
	close = "}}"
)

// parse splits text into literal text and references.
func parse(text string) ([]part, error) {
	var parts []part
	for {
		start := strings.Index(text, open)
		if start < 0 {
			if text != "" {
				parts = append(parts, part{text: text})
			}
			return parts, nil
		}
		if start > 0 {
			parts = append(parts, part{text: text[:start]})
		}
		body, rest, err := splitAction(text[start+len(open):])
		if err != nil {
			return nil, err
		}
		if isSparkPlaceholder(body) {
			parts = append(parts, part{text: open + body + close})
		} else {
			ref, err := parseReference(body)
			if err != nil {
				return nil, fmt.Errorf("{{%s}}: %w", body, err)
			}
			parts = append(parts, part{ref: ref})
		}
		text = rest
	}
}

// splitAction finds the "}}" closing an action, skipping string literals that may contain one.
func splitAction(text string) (body, rest string, err error) {
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '"':
			end, err := stringLiteralEnd(text, i)
			if err != nil {
				return "", "", err
			}
			i = end - 1
		case strings.HasPrefix(text[i:], close):
			return text[:i], text[i+len(close):], nil
		}
	}
	return "", "", fmt.Errorf("%q has no closing }}", open+truncate(text))
}

// stringLiteralEnd returns the index just past the double-quoted literal starting at text[start].
func stringLiteralEnd(text string, start int) (int, error) {
	for i := start + 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		case '\n':
			return 0, fmt.Errorf("string %s is not closed on its line", truncate(text[start:i]))
		}
	}
	return 0, fmt.Errorf("string %s is not closed", truncate(text[start:]))
}

// isSparkPlaceholder reports whether an action body is one of Spark's own placeholders, such as APP_ID.
func isSparkPlaceholder(body string) bool {
	if body == "" || body[0] < 'A' || body[0] > 'Z' {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// token kinds inside an action.
const (
	tokenName   = "name"
	tokenString = "string"
	tokenNumber = "number"
	tokenPipe   = "|"
	tokenIdent  = "function"
)

type token struct {
	kind, text string
}

func tokenize(body string) ([]token, error) {
	var tokens []token
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '|':
			tokens = append(tokens, token{tokenPipe, "|"})
			i++
		case c == '"':
			end, err := stringLiteralEnd(body, i)
			if err != nil {
				return nil, err
			}
			unquoted, err := strconv.Unquote(body[i:end])
			if err != nil {
				return nil, fmt.Errorf("string %s is not a valid quoted string", body[i:end])
			}
			tokens = append(tokens, token{tokenString, unquoted})
			i = end
		case c == '.':
			end := i + 1
			for end < len(body) && (isNameChar(body[end]) || body[end] == '.') {
				end++
			}
			tokens = append(tokens, token{tokenName, body[i:end]})
			i = end
		case c == '-' || isDigit(c):
			end := i + 1
			for end < len(body) && isDigit(body[end]) {
				end++
			}
			tokens = append(tokens, token{tokenNumber, body[i:end]})
			i = end
		case isLetter(c):
			end := i + 1
			for end < len(body) && (isNameChar(body[end]) || body[end] == '.') {
				end++
			}
			tokens = append(tokens, token{tokenIdent, body[i:end]})
			i = end
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return tokens, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isNameChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '-'
}

// parseReference reads: (name | string) { "|" function { string | number } }.
func parseReference(body string) (*reference, error) {
	tokens, err := tokenize(body)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("is empty: write a reference such as {{ .Params.date }}")
	}
	ref := &reference{source: body}
	switch first := tokens[0]; first.kind {
	case tokenName:
		if ref.name, err = parseName(first.text); err != nil {
			return nil, err
		}
	case tokenString:
		ref.literal = first.text
	case tokenIdent:
		return nil, fmt.Errorf("%s: a reference starts with a dot, as in .%s", first.text, first.text)
	default:
		return nil, fmt.Errorf("%s: a reference starts with a name such as .Params.date", first.text)
	}
	for rest := tokens[1:]; len(rest) > 0; {
		if rest[0].kind != tokenPipe {
			return nil, fmt.Errorf("unexpected %s after the value: functions are applied with |", rest[0].text)
		}
		if len(rest) < 2 || rest[1].kind != tokenIdent {
			return nil, fmt.Errorf("| must be followed by a function (date, addDays, upper, lower)")
		}
		name := rest[1].text
		fn, ok := functions[name]
		if !ok {
			return nil, fmt.Errorf("unknown function %q (the functions are date, addDays, upper, lower)", name)
		}
		c := call{function: name}
		rest = rest[2:]
		for len(rest) > 0 && (rest[0].kind == tokenString || rest[0].kind == tokenNumber) {
			c.args = append(c.args, rest[0].text)
			rest = rest[1:]
		}
		if len(c.args) != fn.arity {
			return nil, fmt.Errorf("function %s takes %d argument(s), got %d", name, fn.arity, len(c.args))
		}
		ref.calls = append(ref.calls, c)
	}
	return ref, nil
}

// parseName checks a dotted name such as ".Steps.load-orders.Result" and returns it without the dot.
func parseName(text string) (string, error) {
	name := text[1:]
	for _, segment := range strings.Split(name, ".") {
		if segment == "" || !isLetter(segment[0]) {
			return "", fmt.Errorf("%s is not a valid name: each part starts with a letter, as in .Params.date", text)
		}
	}
	return name, nil
}
