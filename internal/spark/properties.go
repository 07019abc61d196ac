package spark

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// EncodeProperties writes a Java properties file (the format of spark.properties) with keys in sorted
// order, escaping as java.util.Properties.store(Writer) does, which is what spark-submit uses: backslash
// escapes for separators, backslashes and tab/newline/return/form feed, a space escaped in keys and at the
// start of values, and everything else (non-ASCII included) written as it is.
func EncodeProperties(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(escapeProperty(k, true))
		b.WriteByte('=')
		b.WriteString(escapeProperty(props[k], false))
		b.WriteByte('\n')
	}
	return b.String()
}

func escapeProperty(s string, isKey bool) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case ' ':
			if i == 0 || isKey {
				b.WriteByte('\\')
			}
			b.WriteByte(' ')
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '=', ':', '#', '!', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DecodeProperties reads a Java properties file into a map. It understands what EncodeProperties and
// java.util.Properties.store write: comments, key=value and key:value lines, backslash escapes, \uXXXX and
// line continuations. As Properties.load, it ends lines at \n, \r\n or a lone \r, and drops a backslash that
// ends the file.
func DecodeProperties(text string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for endsWithContinuation(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithContinuation(line) {
			line = line[:len(line)-1]
		}
		key, value, err := splitProperty(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out[key] = value
	}
	return out, nil
}

func endsWithContinuation(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty separates and unescapes one logical line.
func splitProperty(line string) (string, string, error) {
	var key strings.Builder
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			i++
			if err := unescapeInto(&key, line, &i); err != nil {
				return "", "", err
			}
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		key.WriteByte(c)
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f') {
		i++
	}
	if i < len(line) && (line[i] == '=' || line[i] == ':') {
		i++
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f') {
		i++
	}
	var value strings.Builder
	for ; i < len(line); i++ {
		if line[i] == '\\' && i+1 < len(line) {
			i++
			if err := unescapeInto(&value, line, &i); err != nil {
				return "", "", err
			}
			continue
		}
		value.WriteByte(line[i])
	}
	return key.String(), value.String(), nil
}

// unescapeInto writes the character escaped at line[*i] (the one after a backslash).
func unescapeInto(b *strings.Builder, line string, i *int) error {
	switch c := line[*i]; c {
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 'f':
		b.WriteByte('\f')
	case 'u':
		r, err := hexUnit(line, *i+1)
		if err != nil {
			return err
		}
		*i += 4
		// A surrogate pair is two escapes in a row.
		if r >= 0xD800 && r < 0xDC00 && *i+6 < len(line) && line[*i+1] == '\\' && line[*i+2] == 'u' {
			if low, err := hexUnit(line, *i+3); err == nil && low >= 0xDC00 && low <= 0xDFFF {
				r = utf16.DecodeRune(r, low)
				*i += 6
			}
		}
		b.WriteRune(r)
	default:
		b.WriteByte(c)
	}
	return nil
}

func hexUnit(line string, at int) (rune, error) {
	if at+4 > len(line) {
		return 0, fmt.Errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(line[at:at+4], 16, 16)
	if err != nil {
		return 0, fmt.Errorf("bad \\u escape %q", line[at:at+4])
	}
	return rune(v), nil
}
