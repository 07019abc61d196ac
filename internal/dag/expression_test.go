package dag

import (
	"errors"
	"strings"
	"testing"

	"github.com/stokehq/stoke/internal/params"
)

func TestExpressionEvaluation(t *testing.T) {
	phases := map[string]Phase{"a": PhaseSucceeded, "b": PhaseFailed, "c": PhaseSkipped, "d": PhaseOmitted, "e": PhaseErrored}
	env := &environment{
		result: func(step string, r Result) bool {
			p := phases[step]
			switch r {
			case ResultCompleted:
				return p == PhaseSucceeded || p == PhaseFailed
			case ResultAnySucceeded:
				return p == PhaseSucceeded
			case ResultAllFailed:
				return p == PhaseFailed
			}
			return p == Phase(r)
		},
		values: params.Values{"Params.env": "prod", "Steps.count.Result": "0", "Item": "x"},
	}
	tests := []struct {
		expression string
		want       bool
	}{
		{"a.Succeeded", true},
		{"b.Succeeded", false},
		{"!b.Succeeded", true},
		{"!!a.Succeeded", true},
		{"a.Succeeded && b.Failed", true},
		{"a.Succeeded && b.Succeeded", false},
		{"b.Succeeded || c.Skipped", true},
		{"a.Succeeded && (b.Failed || c.Skipped)", true},
		{"a.Failed || b.Failed && c.Failed", false}, // && binds tighter than ||
		{"(a.Failed || b.Failed) && c.Skipped", true},
		{"d.Omitted && e.Errored", true},
		{"a.Completed && b.Completed && !c.Completed", true},
		{"a.AnySucceeded && b.AllFailed", true},
		{"true", true},
		{"false || !true", false},
		{`.Params.env == "prod"`, true},
		{`.Params.env != "prod"`, false},
		{`"prod" == .Params.env`, true},
		{`.Steps.count.Result != "0" || .Item == "x"`, true},
		{`.Params.env == .Params.env`, true},
		{"  a.Succeeded\n&&\tb.Failed  ", true},
		{`.Params.env == "with \"quotes\""`, false},
	}
	for _, tt := range tests {
		t.Run(tt.expression, func(t *testing.T) {
			e, err := ParseExpression(tt.expression)
			if err != nil {
				t.Fatalf("ParseExpression: %v", err)
			}
			got, err := e.root.eval(env)
			if err != nil {
				t.Fatalf("eval: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpressionUnknownValue(t *testing.T) {
	e, err := ParseExpression(`.Params.nope == "x"`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.root.eval(&environment{values: params.Values{}})
	if !errors.Is(err, params.ErrUnknownParameter) || err.Error() != "unknown parameter .Params.nope" {
		t.Errorf("error = %v", err)
	}
}

func TestParseExpressionErrors(t *testing.T) {
	tests := []struct{ expression, want string }{
		{"", "is empty"},
		{"   ", "is empty"},
		{"a.Succeeded &&", "expected a step result, a comparison or ( at position 15, found end of expression"},
		{"a.Succeeded b.Failed", `unexpected "b.Failed" at position 13`},
		{"(a.Succeeded", "expected ) at position 13, found end of expression"},
		{"a.Succeeded)", `unexpected ")" at position 12`},
		{"a.Succeded", `unknown result "Succeded" at position 3 (the results are Succeeded, Failed, Errored, Skipped, Omitted, Completed, AnySucceeded, AllFailed)`},
		{"a", `"a" at position 1 is not STEP.RESULT (for example a.Succeeded)`},
		{"a.b.Succeeded", `"a.b" at position 1 is not a step name`},
		{"a & b", `unexpected character '&' at position 3`},
		{"a.Succeeded | b.Failed", `unexpected character '|' at position 13`},
		{`.Params.env`, `expected == or != at position 12, found end of expression`},
		{`.Params.env == `, `expected a value or a string at position 16, found end of expression`},
		{`.Params.env == a.Succeeded`, `expected a value or a string at position 16, found "a.Succeeded"`},
		{`.Params..env == "x"`, `".Params..env" at position 1 is not a valid value name (for example .Params.env)`},
		{`.Params.env == "x`, `string at position 16 is not closed`},
		{`.Params.env == "\q"`, `string at position 16 is not a valid quoted string`},
		{"é", `unexpected character 'é' at position 1`},
		{strings.Repeat("(", 100) + "a.Succeeded" + strings.Repeat(")", 100), "nests deeper than 64 levels"},
		{strings.Repeat("!", 100) + "a.Succeeded", "nests deeper than 64 levels"},
		{strings.Repeat("a.Succeeded&&", 400), "is 5200 characters long, at most 4096 are allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.expression, func(t *testing.T) {
			e, err := ParseExpression(tt.expression)
			if err == nil {
				t.Fatalf("ParseExpression accepted it: %v", e)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestExpressionSteps(t *testing.T) {
	e, err := ParseExpression(`b.Succeeded && (a.Failed || !b.Skipped) && .Steps.c.Result == "1" && .Params.x != .Steps.c.ExitCode`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.stepsOf(), ","); got != "a,b,c" {
		t.Errorf("stepsOf = %s, want a,b,c", got)
	}
	if e.String() == "" {
		t.Error("String lost the source")
	}
}
