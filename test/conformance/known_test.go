//go:build conformance

package conformance

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// knownDifference is a difference between Stoke's builder and spark-submit that is not intentional (it is
// not in docs/spark-submit-differences.md) but is known and recorded, so that the suite passes while it is
// open. Neutralise makes the two sides agree on exactly that point; the runner checks that it changed the
// diff, so a fixed difference must be removed from the table.
type knownDifference struct {
	ID         string
	Cases      []string // nil: every case
	Versions   []string // nil: every version
	Reason     string
	Neutralise func(sub, stoke sides)
}

func (k knownDifference) applies(caseName, version string) bool {
	return in(k.Cases, caseName) && in(k.Versions, version)
}

func in(list []string, s string) bool {
	if list == nil {
		return true
	}
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// knownDifferences are the open, recorded differences.
var knownDifferences = []knownDifference{}

// props is the parsed spark.properties of a side.
func props(s sides) map[string]any {
	return lookup(s["configmap"], "data", "spark.properties").(map[string]any)
}

func metaNS(name, ns string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
