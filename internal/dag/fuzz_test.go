package dag

import (
	"testing"

	"github.com/stokehq/stoke/internal/params"
)

// FuzzParseExpression checks that no input makes the parser or the evaluator panic or loop, and that
// whatever parses also evaluates.
func FuzzParseExpression(f *testing.F) {
	for _, seed := range []string{
		"a.Succeeded && (b.Failed || c.Skipped)",
		`.Params.env == "prod" || !(.Steps.a.Result != "0")`,
		"((((a.Succeeded))))",
		"!a.AllFailed || b.AnySucceeded && true",
		`"x" == "y"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, source string) {
		e, err := ParseExpression(source)
		if err != nil {
			if e != nil {
				t.Fatalf("an error with an expression: %v", err)
			}
			return
		}
		env := &environment{
			result: func(step string, r Result) bool { return len(step)%2 == 0 },
			values: params.Values{"Params.env": "prod"},
		}
		_, _ = e.root.eval(env)
		_ = e.stepsOf()
	})
}
