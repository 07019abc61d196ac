// Package trigger is the pure part of a schedule's HTTP triggers: reading a delivery's JSON body into the
// schedule's parameters through the trigger's declared paths, finding its idempotency key, and checking
// its HMAC signature. `stoke server` does the rest (identity, the run itself); the parameters reach the
// run's spec through internal/params like every other value.
package trigger

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// MaxValueLength bounds one parameter value taken from a body, as spec.parameters bounds the declared ones.
const MaxValueLength = 4096

// MaxKeyLength bounds an idempotency key.
const MaxKeyLength = 256

// DefaultKeyHeader is the header a trigger without an idempotencyKey reads its key from, when present.
const DefaultKeyHeader = "Idempotency-Key"

// Delivery is one request to a trigger: its headers and its parsed body.
type Delivery struct {
	Header http.Header
	body   any
}

// ParseDelivery reads a delivery's body: a JSON object, or nothing (an empty object). Numbers keep their
// exact text.
func ParseDelivery(header http.Header, body []byte) (*Delivery, error) {
	d := &Delivery{Header: header, body: map[string]any{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return d, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return nil, errors.New("the body holds more than one JSON value")
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, errors.New("the body must be a JSON object")
	}
	d.body = doc
	return d, nil
}

// Lookup finds the value at a dotted path ("repository.full_name", "Records.0.s3.object.key"): a string
// as it is, a number, boolean or null as its JSON text, an object or array as compact JSON. found is
// false when the path leads nowhere.
func (d *Delivery) Lookup(path string) (value string, found bool) {
	node := d.body
	for _, segment := range strings.Split(path, ".") {
		switch n := node.(type) {
		case map[string]any:
			next, ok := n[segment]
			if !ok {
				return "", false
			}
			node = next
		case []any:
			i, err := strconv.Atoi(segment)
			if err != nil || i < 0 || i >= len(n) {
				return "", false
			}
			node = n[i]
		default:
			return "", false
		}
	}
	switch v := node.(type) {
	case string:
		return v, true
	case nil:
		return "null", true
	default:
		text, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return string(text), true
	}
}

// Values are the parameter values a delivery gives the run: the schedule's declared values, replaced by the
// trigger's paths where the body has them. Errors name the parameter and the path.
func Values(declared []stokev1.ScheduleParameter, t *stokev1.HTTPTrigger, d *Delivery) (map[string]string, error) {
	values := make(map[string]string, len(declared))
	for _, p := range declared {
		values[p.Name] = p.Value
	}
	for _, p := range t.Parameters {
		if _, ok := values[p.Name]; !ok {
			return nil, fmt.Errorf("trigger %q fills parameter %q, which the schedule does not declare", t.Name, p.Name)
		}
		v, found := d.Lookup(p.Path)
		if !found {
			continue
		}
		if len(v) > MaxValueLength {
			return nil, fmt.Errorf("parameter %q: the value at %q is %d bytes, at most %d are allowed", p.Name, p.Path, len(v), MaxValueLength)
		}
		values[p.Name] = v
	}
	return values, nil
}

// Key is the delivery's idempotency key: from the trigger's declared header or body path (required there),
// else from the Idempotency-Key header when the delivery has one. Empty means none: every such delivery
// starts a run.
func Key(t *stokev1.HTTPTrigger, d *Delivery) (string, error) {
	var key, where string
	switch k := t.IdempotencyKey; {
	case k == nil:
		key = d.Header.Get(DefaultKeyHeader)
		where = "header " + DefaultKeyHeader
	case k.Header != "":
		key, where = d.Header.Get(k.Header), "header "+k.Header
		if key == "" {
			return "", fmt.Errorf("the idempotency key is missing: trigger %q reads it from the %s", t.Name, where)
		}
	default:
		where = "body field " + k.Path
		v, found := d.Lookup(k.Path)
		if !found || v == "" || v == "null" {
			return "", fmt.Errorf("the idempotency key is missing: trigger %q reads it from the %s", t.Name, where)
		}
		key = v
	}
	if len(key) > MaxKeyLength {
		return "", fmt.Errorf("the idempotency key (%s) is %d bytes, at most %d are allowed", where, len(key), MaxKeyLength)
	}
	return key, nil
}

// ErrBadSignature is wrapped by the errors of a delivery whose signature is missing or does not match.
var ErrBadSignature = errors.New("bad signature")

// SignatureHeader is the header a signature is read from, defaulted.
func SignatureHeader(s *stokev1.TriggerSignature) string {
	if s.Header == "" {
		return "X-Hub-Signature-256"
	}
	return s.Header
}

// Verify checks a delivery's signature: the hex HMAC of the raw body with secret, in the signature's
// header, optionally preceded by the algorithm's name and "=" ("sha256=9f86..."). It compares in constant
// time.
func Verify(s *stokev1.TriggerSignature, secret, body []byte, header http.Header) error {
	name := SignatureHeader(s)
	got := strings.TrimSpace(header.Get(name))
	if got == "" {
		return fmt.Errorf("%w: the %s header is missing", ErrBadSignature, name)
	}
	var newHash func() hash.Hash
	algorithm := strings.ToLower(s.Algorithm)
	switch algorithm {
	case "", "sha256":
		newHash, algorithm = sha256.New, "sha256"
	case "sha512":
		newHash = sha512.New
	default:
		return fmt.Errorf("unknown signature algorithm %q: use SHA256 or SHA512", s.Algorithm)
	}
	if prefix, digest, ok := strings.Cut(got, "="); ok && strings.EqualFold(prefix, algorithm) {
		got = digest
	}
	sent, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("%w: the %s header is not a hex digest", ErrBadSignature, name)
	}
	mac := hmac.New(newHash, secret)
	mac.Write(body)
	if !hmac.Equal(sent, mac.Sum(nil)) {
		return fmt.Errorf("%w: the %s header does not match the body", ErrBadSignature, name)
	}
	return nil
}
