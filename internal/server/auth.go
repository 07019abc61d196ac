package server

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Caller is who made a request, as the Kubernetes API server's TokenReview reported it.
type Caller struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// errUnauthenticated is a request without a token, or with one the API server does not accept.
var errUnauthenticated = errors.New("unauthenticated")

// authenticator turns a bearer token into a Caller with TokenReview. Answers are kept for a short time
// (keyed by the token's SHA-256, never the token itself), so a page's burst of requests costs one review.
type authenticator struct {
	clientset kubernetes.Interface
	proxy     *FrontProxy
	audiences []string
	ttl       time.Duration
	now       func() time.Time

	mu      sync.Mutex
	reviews map[[32]byte]cachedReview
}

type cachedReview struct {
	caller  *Caller
	expires time.Time
}

// maxCachedReviews bounds the review cache; when full it is emptied (a burst of distinct tokens only costs
// reviews, never memory).
const maxCachedReviews = 4096

func (a *authenticator) authenticate(ctx context.Context, r *http.Request) (*Caller, error) {
	if c := a.proxy.caller(r); c != nil {
		return c, nil
	}
	token, ok := bearerToken(r)
	if !ok {
		return nil, errUnauthenticated
	}
	key := sha256.Sum256([]byte(token))
	now := a.now()
	a.mu.Lock()
	if c, ok := a.reviews[key]; ok && now.Before(c.expires) {
		a.mu.Unlock()
		return c.caller, nil
	}
	a.mu.Unlock()

	review := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: a.audiences}}
	got, err := a.clientset.AuthenticationV1().TokenReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("reviewing the token: %w", err)
	}
	if !got.Status.Authenticated {
		return nil, errUnauthenticated
	}
	u := got.Status.User
	caller := &Caller{Name: u.Username, UID: u.UID, Groups: u.Groups, Extra: map[string][]string{}}
	for k, v := range u.Extra {
		caller.Extra[k] = v
	}
	a.mu.Lock()
	if len(a.reviews) >= maxCachedReviews {
		a.reviews = map[[32]byte]cachedReview{}
	}
	a.reviews[key] = cachedReview{caller: caller, expires: now.Add(a.ttl)}
	a.mu.Unlock()
	return caller, nil
}

// FrontProxy is a trusted authenticating proxy in front of the server (an OAuth2 proxy, an ingress with
// single sign-on): a request that presents a client certificate signed by CAs, with a common name in Names
// (any, when empty), is the user its UserHeader names, in the groups of its GroupHeader (repeated, or
// comma-separated). The headers of any other request are ignored, as the API server's own request-header
// authentication does.
type FrontProxy struct {
	CAs         *x509.CertPool
	Names       []string
	UserHeader  string
	GroupHeader string
}

// caller is the proxy's user for a request from the proxy; nil when the request did not come through it.
func (p *FrontProxy) caller(r *http.Request) *Caller {
	if p == nil || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return nil
	}
	cert := r.TLS.VerifiedChains[0][0]
	if len(p.Names) > 0 && !slices.Contains(p.Names, cert.Subject.CommonName) {
		return nil
	}
	user := strings.TrimSpace(r.Header.Get(p.UserHeader))
	if user == "" {
		return nil
	}
	var groups []string
	for _, v := range r.Header.Values(p.GroupHeader) {
		for _, g := range strings.Split(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				groups = append(groups, g)
			}
		}
	}
	return &Caller{Name: user, Groups: groups, Extra: map[string][]string{}}
}

// bearerToken is the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// access is what a request does, in the API server's terms.
type access struct {
	namespace, verb, group, resource, subresource, name string
}

// authorizer asks the API server, with a SubjectAccessReview, whether the caller may do what a request
// reads from the server's cache. Writes are not reviewed here: they are made as the caller.
type authorizer struct {
	clientset kubernetes.Interface
}

func (a *authorizer) allowed(ctx context.Context, c *Caller, what access) (bool, string, error) {
	extra := map[string]authzv1.ExtraValue{}
	for k, v := range c.Extra {
		extra[k] = v
	}
	sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: c.Name, UID: c.UID, Groups: c.Groups, Extra: extra,
		ResourceAttributes: &authzv1.ResourceAttributes{
			Namespace: what.namespace, Verb: what.verb, Group: what.group,
			Resource: what.resource, Subresource: what.subresource, Name: what.name,
		},
	}}
	got, err := a.clientset.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("reviewing access: %w", err)
	}
	return got.Status.Allowed, got.Status.Reason, nil
}

// impersonation makes clients that act as a caller: the API server applies the caller's RBAC and admission
// to every write exactly as for kubectl. Clients are kept per identity (bounded), since each has its own
// connection pool.
type impersonation struct {
	base   *rest.Config
	scheme client.Options

	mu      sync.Mutex
	clients map[string]*callerClients
}

type callerClients struct {
	client    client.Client
	clientset kubernetes.Interface
}

const maxImpersonatedClients = 256

func (im *impersonation) clientsFor(c *Caller) (*callerClients, error) {
	key := c.Name + "\x00" + c.UID + "\x00" + strings.Join(c.Groups, "\x00") + fmt.Sprint(c.Extra)
	im.mu.Lock()
	defer im.mu.Unlock()
	if cc, ok := im.clients[key]; ok {
		return cc, nil
	}
	cfg := rest.CopyConfig(im.base)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: c.Name, UID: c.UID, Groups: c.Groups, Extra: c.Extra}
	cl, err := client.New(cfg, im.scheme)
	if err != nil {
		return nil, fmt.Errorf("a client for %s: %w", c.Name, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("a clientset for %s: %w", c.Name, err)
	}
	if len(im.clients) >= maxImpersonatedClients {
		im.clients = map[string]*callerClients{}
	}
	cc := &callerClients{client: cl, clientset: cs}
	im.clients[key] = cc
	return cc, nil
}
