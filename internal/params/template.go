// Package params is Stoke's one parameter engine: schedules (a run's logical time), workflows (parameters,
// step outputs, fan-out items), HTTP triggers and the dashboard's submit form all fill values into an
// application spec through it, with one syntax.
//
// # Syntax
//
// A reference is written between double braces and names a value with a leading dot, optionally piped
// through functions:
//
//	--date={{ .ScheduledTime | date "2006-01-02" }}
//	--input=s3a://lake/raw/{{ .Params.table }}/{{ .Item }}
//	--rows={{ .Steps.extract.Result }}
//
// Names are case-sensitive and may contain letters, digits, '_' and '-' (so step names such as
// "load-orders" work: {{ .Steps.load-orders.ExitCode }}). The values a caller provides:
//
//	.ScheduledTime                  the logical time of a scheduled run (RFC 3339, in the schedule's zone)
//	.Params.NAME                    a workflow parameter, trigger payload field or form field
//	.Steps.STEP.Result              a short result the step's driver wrote to its termination message
//	.Steps.STEP.ExitCode            the step driver's exit code
//	.Steps.STEP.ApplicationID       the step's Spark application id
//	.Item                           the current fan-out item
//
// Functions, the whole set:
//
//	date "LAYOUT"   formats a time with a Go layout ("2006-01-02", "2006/01/02/15", "20060102")
//	addDays N       moves a time by N calendar days (N may be negative), keeping its wall clock
//	upper, lower    change a value's case
//
// A string literal is also a value, which is how to write literal braces: {{ "{{" }}. Spark's own
// placeholders, an upper-case word in braces with no spaces such as {{APP_ID}} or {{EXECUTOR_ID}}, are not
// references and pass through to Spark untouched. There are no conditionals, loops, variables or other
// functions; nothing reads files or the environment.
//
// # Rules
//
// Every string value of the spec is substituted (arguments, sparkConf and hadoopConf values, env values,
// image, file URIs, volume fields, ...); map keys are not. A reference to a value that was not given is an
// error, never an empty string, and so are a malformed reference, an unknown function, a time function
// applied to something that is not a time, and a result longer than MaxExpandedLength. Errors name the field
// path and the reference.
package params

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxExpandedLength bounds one substituted string, so that a large value referenced many times cannot
// produce an object the API server refuses or an operator cannot hold.
const MaxExpandedLength = 64 << 10

// Values are the values references can name, keyed by the name without its leading dot
// ("ScheduledTime", "Params.table", "Steps.extract.Result", "Item").
type Values map[string]string

// Well-known names; see the package documentation.
const (
	ScheduledTime = "ScheduledTime"
	Item          = "Item"
)

// Param is the name of a workflow parameter, trigger payload field or form field.
func Param(name string) string { return "Params." + name }

// StepOutput is the name of an output ("Result", "ExitCode", "ApplicationID") of a workflow step.
func StepOutput(step, output string) string { return "Steps." + step + "." + output }

// Time is how a time is given as a value: RFC 3339, keeping its zone offset so that date formats it in the
// zone it was given in (a schedule's own zone for ScheduledTime).
func Time(t time.Time) string { return t.Format(time.RFC3339) }

// ErrUnknownParameter is wrapped by errors about a reference to a value that was not given.
var ErrUnknownParameter = errors.New("unknown parameter")

// Expand substitutes values into one string.
func Expand(text string, values Values) (string, error) {
	parts, err := parse(text)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, p := range parts {
		s := p.text
		if p.ref != nil {
			if s, err = p.ref.evaluate(values); err != nil {
				return "", err
			}
		}
		if out.Len()+len(s) > MaxExpandedLength {
			return "", fmt.Errorf("result is longer than %d bytes", MaxExpandedLength)
		}
		out.WriteString(s)
	}
	return out.String(), nil
}

// Names lists the value names text refers to, in order of appearance, without evaluating anything: what
// admission uses to check that every referenced parameter is declared.
func Names(text string) ([]string, error) {
	parts, err := parse(text)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range parts {
		if p.ref != nil && p.ref.name != "" {
			names = append(names, p.ref.name)
		}
	}
	return names, nil
}

// part is literal text or one reference.
type part struct {
	text string
	ref  *reference
}

// reference is a value (a name, or a literal when name is empty) and the functions it is piped through.
type reference struct {
	source  string
	name    string
	literal string
	calls   []call
}

type call struct {
	function string
	args     []string // string literals unquoted, integers as written
}

type function struct {
	arity int
	apply func(value string, args []string) (string, error)
}

var functions = map[string]function{
	"date":    {arity: 1, apply: formatDate},
	"addDays": {arity: 1, apply: addDays},
	"upper":   {arity: 0, apply: func(v string, _ []string) (string, error) { return strings.ToUpper(v), nil }},
	"lower":   {arity: 0, apply: func(v string, _ []string) (string, error) { return strings.ToLower(v), nil }},
}

func formatDate(value string, args []string) (string, error) {
	t, err := parseTime(value)
	if err != nil {
		return "", err
	}
	return t.Format(args[0]), nil
}

// maxDays bounds addDays well inside the years time.Time can represent.
const maxDays = 1_000_000

func addDays(value string, args []string) (string, error) {
	t, err := parseTime(value)
	if err != nil {
		return "", err
	}
	days, err := strconv.Atoi(args[0])
	if err != nil || days > maxDays || days < -maxDays {
		return "", fmt.Errorf("needs a whole number of days between %d and %d, not %s", -maxDays, maxDays, args[0])
	}
	return Time(t.AddDate(0, 0, days)), nil
}

func parseTime(value string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time (RFC 3339, like 2026-01-02T03:04:05Z)", truncate(value))
	}
	return t, nil
}

func (r *reference) evaluate(values Values) (string, error) {
	value := r.literal
	if r.name != "" {
		v, ok := values[r.name]
		if !ok {
			return "", fmt.Errorf("{{%s}}: %w .%s", r.source, ErrUnknownParameter, r.name)
		}
		value = v
	}
	for _, c := range r.calls {
		v, err := functions[c.function].apply(value, c.args)
		if err != nil {
			return "", fmt.Errorf("{{%s}}: %s: %w", r.source, c.function, err)
		}
		if len(v) > MaxExpandedLength {
			return "", fmt.Errorf("{{%s}}: result is longer than %d bytes", r.source, MaxExpandedLength)
		}
		value = v
	}
	return value, nil
}

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
