package testenv

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// CheckInvalid returns nil when err is the API server's Invalid refusal with a cause for exactly field (a path
// such as "spec.steps[0].name"; "" for a rule on the whole object) whose message contains every one of words;
// otherwise an error saying what the refusal was instead.
func CheckInvalid(err error, field string, words ...string) error {
	if !apierrors.IsInvalid(err) {
		return fmt.Errorf("want an Invalid error, got %v", err)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return fmt.Errorf("the Invalid error has no causes: %v", err)
	}
	var seen []string
	for _, c := range status.Status().Details.Causes {
		if c.Field != field && !(field == "" && c.Field == "<nil>") { // a rule on the whole object has no path
			seen = append(seen, fmt.Sprintf("%s: %s", c.Field, c.Message))
			continue
		}
		missing := ""
		for _, w := range words {
			if !strings.Contains(c.Message, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s: %s (lacks %q)", c.Field, c.Message, missing))
	}
	return fmt.Errorf("no cause for field %q mentioning %q; the causes are:\n  %s", field, words, strings.Join(seen, "\n  "))
}
