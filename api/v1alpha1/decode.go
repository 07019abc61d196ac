package v1alpha1

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// UnmarshalJSON decodes a SparkApplication the way the Kubernetes JSON serializer does (case-sensitive,
// integers kept exact). An object the API server stored but that does not fit these Go types (a number
// beyond int32, stored before the schema bounded it) is not an error: its metadata and whatever of its
// status can be read are kept, and DecodeError says what could not be read. One such object must never hide
// every other application from a list or break a watch, for the operator or for the CLI; the operator
// reports it in the object's own status instead.
func (a *SparkApplication) UnmarshalJSON(data []byte) error {
	type plain SparkApplication // the same fields, without this method
	var decoded plain
	err := kjson.UnmarshalCaseSensitivePreserveInts(data, &decoded)
	if err == nil {
		*a = SparkApplication(decoded)
		return nil
	}
	var head struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
		Status            json.RawMessage `json:"status"`
	}
	if headErr := kjson.UnmarshalCaseSensitivePreserveInts(data, &head); headErr != nil || head.Name == "" {
		return err // not even the metadata can be read: a real decoding error
	}
	*a = SparkApplication{TypeMeta: head.TypeMeta, ObjectMeta: head.ObjectMeta}
	if len(head.Status) > 0 {
		var status SparkApplicationStatus
		if kjson.UnmarshalCaseSensitivePreserveInts(head.Status, &status) == nil {
			a.Status = status
		}
	}
	a.DecodeError = fmt.Sprintf("the stored object does not fit the SparkApplication schema Stoke reads: %v", err)
	return nil
}

// UnmarshalStrict decodes a manifest (YAML or JSON) into app, refusing unknown and duplicate fields: what a
// file a user wrote is held to. The lenient UnmarshalJSON above, right for objects read from the API server,
// would otherwise accept a typo even inside a strict decoder, which cannot reach into a type's own method.
func UnmarshalStrict(data []byte, app *SparkApplication) error {
	type plain SparkApplication
	var p plain
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return err
	}
	*app = SparkApplication(p)
	return nil
}
