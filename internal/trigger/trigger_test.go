package trigger

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

const githubPush = `{
  "ref": "refs/heads/main",
  "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
  "repository": {"full_name": "acme/lake", "private": true, "size": 1024, "topics": ["spark", "etl"]},
  "commits": [{"id": "c1", "added": ["tables/orders.sql"]}, {"id": "c2", "added": []}],
  "amount": 12.50,
  "big": 123456789012345678901234567890,
  "nothing": null,
  "dotted": {"a.b": "unreachable"}
}`

func delivery(t *testing.T, body string, header http.Header) *Delivery {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	d, err := ParseDelivery(header, []byte(body))
	if err != nil {
		t.Fatalf("ParseDelivery: %v", err)
	}
	return d
}

func TestLookup(t *testing.T) {
	d := delivery(t, githubPush, nil)
	tests := []struct {
		path, want string
		found      bool
	}{
		{"ref", "refs/heads/main", true},
		{"repository.full_name", "acme/lake", true},
		{"repository.private", "true", true},
		{"repository.size", "1024", true},
		{"repository.topics", `["spark","etl"]`, true},
		{"repository.topics.1", "etl", true},
		{"commits.0.added", `["tables/orders.sql"]`, true},
		{"commits.1.added", `[]`, true},
		{"commits.0", `{"added":["tables/orders.sql"],"id":"c1"}`, true},
		{"amount", "12.50", true},                       // the number's own text, not 12.5
		{"big", "123456789012345678901234567890", true}, // no float rounding
		{"nothing", "null", true},
		{"commits.2.id", "", false},
		{"commits.-1", "", false},
		{"commits.first", "", false},
		{"ref.sub", "", false},
		{"missing", "", false},
		{"dotted.a.b", "", false},
	}
	for _, tt := range tests {
		got, found := d.Lookup(tt.path)
		if got != tt.want || found != tt.found {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.path, got, found, tt.want, tt.found)
		}
	}
}

func TestParseDeliveryRefusesWhatIsNotAnObject(t *testing.T) {
	for body, want := range map[string]string{
		`[1, 2]`:      "must be a JSON object",
		`"text"`:      "must be a JSON object",
		`{"a": 1`:     "not valid JSON",
		`{"a": 1} {}`: "more than one JSON value",
		`not json`:    "not valid JSON",
	} {
		_, err := ParseDelivery(http.Header{}, []byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDelivery(%s) = %v, want an error containing %q", body, err, want)
		}
	}
	for _, empty := range []string{"", "  \n"} {
		d, err := ParseDelivery(http.Header{}, []byte(empty))
		if err != nil {
			t.Fatalf("an empty body: %v", err)
		}
		if _, found := d.Lookup("a"); found {
			t.Error("an empty body has no fields")
		}
	}
}

func TestValues(t *testing.T) {
	declared := []stokev1.ScheduleParameter{{Name: "repo", Value: "none"}, {Name: "sha", Value: ""}, {Name: "table", Value: "orders"}}
	trig := &stokev1.HTTPTrigger{Name: "push", Parameters: []stokev1.TriggerParameter{
		{Name: "repo", Path: "repository.full_name"},
		{Name: "sha", Path: "after"},
		{Name: "table", Path: "inputs.table"}, // absent: keeps the declared value
	}}
	got, err := Values(declared, trig, delivery(t, githubPush, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"repo": "acme/lake", "sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "table": "orders"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	undeclared := &stokev1.HTTPTrigger{Name: "push", Parameters: []stokev1.TriggerParameter{{Name: "branch", Path: "ref"}}}
	if _, err := Values(declared, undeclared, delivery(t, githubPush, nil)); err == nil || !strings.Contains(err.Error(), `parameter "branch", which the schedule does not declare`) {
		t.Errorf("undeclared parameter: %v", err)
	}
	huge := delivery(t, `{"repository": {"full_name": "`+strings.Repeat("x", MaxValueLength+1)+`"}}`, nil)
	if _, err := Values(declared, trig, huge); err == nil || !strings.Contains(err.Error(), `parameter "repo": the value at "repository.full_name" is 4097 bytes`) {
		t.Errorf("oversized value: %v", err)
	}
}

func TestKey(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	byHeader := &stokev1.TriggerIdempotencyKey{Header: "X-GitHub-Delivery"}
	byPath := &stokev1.TriggerIdempotencyKey{Path: "commits.0.id"}
	tests := []struct {
		name    string
		key     *stokev1.TriggerIdempotencyKey
		body    string
		header  http.Header
		want    string
		wantErr string
	}{
		{"default header", nil, `{}`, h("Idempotency-Key", "k-1"), "k-1", ""},
		{"no key at all", nil, `{}`, nil, "", ""},
		{"declared header", byHeader, `{}`, h("X-GitHub-Delivery", "72d3162e"), "72d3162e", ""},
		{"declared header missing", byHeader, `{}`, h("Idempotency-Key", "k-1"), "", "reads it from the header X-GitHub-Delivery"},
		{"declared path", byPath, githubPush, nil, "c1", ""},
		{"declared path missing", byPath, `{"commits": []}`, nil, "", "reads it from the body field commits.0.id"},
		{"declared path null", &stokev1.TriggerIdempotencyKey{Path: "nothing"}, githubPush, nil, "", "is missing"},
		{"too long", nil, `{}`, h("Idempotency-Key", strings.Repeat("k", MaxKeyLength+1)), "", "257 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Key(&stokev1.HTTPTrigger{Name: "push", IdempotencyKey: tt.key}, delivery(t, tt.body, tt.header))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	// GitHub's documented example: this secret and body give this sha256 signature.
	const github = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	mac512 := hmac.New(sha512.New, secret)
	mac512.Write(body)
	sig512 := hex.EncodeToString(mac512.Sum(nil))
	other := hmac.New(sha256.New, []byte("another secret"))
	other.Write(body)

	sha256Default := &stokev1.TriggerSignature{SecretName: "s"}
	tests := []struct {
		name    string
		sig     *stokev1.TriggerSignature
		header  http.Header
		body    []byte
		wantErr string
	}{
		{"github prefix", sha256Default, http.Header{"X-Hub-Signature-256": {"sha256=" + github}}, body, ""},
		{"bare digest", sha256Default, http.Header{"X-Hub-Signature-256": {github}}, body, ""},
		{"upper-case hex and prefix", sha256Default, http.Header{"X-Hub-Signature-256": {"SHA256=" + strings.ToUpper(github)}}, body, ""},
		{"sha512 in its own header", &stokev1.TriggerSignature{Algorithm: "SHA512", Header: "X-Signature"}, http.Header{"X-Signature": {"sha512=" + sig512}}, body, ""},
		{"missing header", sha256Default, http.Header{}, body, "X-Hub-Signature-256 header is missing"},
		{"other secret", sha256Default, http.Header{"X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(other.Sum(nil))}}, body, "does not match"},
		{"body changed", sha256Default, http.Header{"X-Hub-Signature-256": {"sha256=" + github}}, []byte("Hello, World?"), "does not match"},
		{"wrong algorithm's prefix", sha256Default, http.Header{"X-Hub-Signature-256": {"sha1=" + github}}, body, "not a hex digest"},
		{"not hex", sha256Default, http.Header{"X-Hub-Signature-256": {"sha256=zz"}}, body, "not a hex digest"},
		{"truncated", sha256Default, http.Header{"X-Hub-Signature-256": {github[:32]}}, body, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.sig, secret, tt.body, tt.header)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadSignature) {
				t.Fatalf("got %v, want ErrBadSignature containing %q", err, tt.wantErr)
			}
		})
	}
}
