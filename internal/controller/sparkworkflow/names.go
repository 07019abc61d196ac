package sparkworkflow

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxChildName keeps a step's application name usable as a label value, like every other Stoke name.
const maxChildName = 63

// ChildName is the name of the SparkApplication of a workflow's concrete step: "<workflow>-<step>", or, when
// that is longer than 63 characters, the workflow's name cut short, a hash of the full name and the step.
// It depends only on its arguments, so a restarted operator finds the application an earlier pass created.
func ChildName(workflow, step string) string {
	name := workflow + "-" + step
	if len(name) <= maxChildName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	hash := hex.EncodeToString(sum[:4])
	room := maxChildName - len(step) - len(hash) - 2
	prefix := strings.TrimRight(workflow[:max(0, min(room, len(workflow)))], "-.")
	if prefix == "" {
		return hash + "-" + step
	}
	return prefix + "-" + hash + "-" + step
}
