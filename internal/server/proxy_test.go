package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
)

// authority is a test CA that signs server and client certificates.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newAuthority(t *testing.T, name string) *authority {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &authority{cert: cert, key: key}
}

func (a *authority) issue(t *testing.T, cn string, client bool) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestFrontProxyIdentity: behind an authenticating proxy, the user and groups in its headers are the
// caller, only when the proxy presents a client certificate the server trusts with an allowed name; RBAC
// then applies to that user as to a token's.
func TestFrontProxyIdentity(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	bearer := newUser(t, ns, "carol", map[string][]rbacv1.PolicyRule{ns: viewRules})
	ca, otherCA := newAuthority(t, "proxy-ca"), newAuthority(t, "other-ca")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := runServer(t, server.Options{Config: serverIdentity(t, state), Scheme: operator.Scheme(), Namespace: state,
		FrontProxy: &server.FrontProxy{CAs: pool, Names: []string{"front-proxy"}, UserHeader: "X-Remote-User", GroupHeader: "X-Remote-Group"}})
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = srv.TLSConfig()
	ts.TLS.Certificates = []tls.Certificate{ca.issue(t, "stoke-server", false)}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)

	get := func(clientCert *tls.Certificate, path string, headers map[string]string) (int, string, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
		if clientCert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*clientCert}
		}
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		var who struct{ Name string }
		_ = json.NewDecoder(resp.Body).Decode(&who)
		return resp.StatusCode, who.Name, nil
	}
	proxy := ca.issue(t, "front-proxy", true)
	impostor := ca.issue(t, "someone-else", true)
	foreign := otherCA.issue(t, "front-proxy", true)
	alice := map[string]string{"X-Remote-User": "system:serviceaccount:" + ns + ":alice", "X-Remote-Group": "system:serviceaccounts, system:authenticated"}
	apps := "/api/v1/namespaces/" + ns + "/applications"

	if code, name, err := get(&proxy, "/api/v1/whoami", alice); err != nil || code != 200 || name != alice["X-Remote-User"] {
		t.Errorf("through the proxy: %d %q %v", code, name, err)
	}
	if code, _, err := get(&proxy, apps, alice); err != nil || code != 200 {
		t.Errorf("alice's list through the proxy: %d %v", code, err)
	}
	if code, _, _ := get(&proxy, apps, map[string]string{"X-Remote-User": "mallory"}); code != http.StatusForbidden {
		t.Errorf("a user without rights through the proxy: %d, want 403", code)
	}
	if code, _, _ := get(nil, apps, alice); code != http.StatusUnauthorized {
		t.Errorf("the headers without the proxy's certificate: %d, want 401", code)
	}
	if code, _, _ := get(&impostor, apps, alice); code != http.StatusUnauthorized {
		t.Errorf("a certificate with another name: %d, want 401", code)
	}
	// Go's client does not even send a certificate the server's CAs did not sign; either way the headers
	// count for nothing.
	if code, _, err := get(&foreign, apps, alice); err == nil && code != http.StatusUnauthorized {
		t.Errorf("a certificate from another CA: %d, want 401 or a failed handshake", code)
	}
	if code, name, err := get(nil, "/api/v1/whoami", map[string]string{"Authorization": "Bearer " + bearer.token}); err != nil || code != 200 || name != bearer.name {
		t.Errorf("a bearer token over TLS: %d %q %v", code, name, err)
	}
}
