package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// faultProxy is toxiproxy, run in process as a library, between the operator and the API server: a TCP
// proxy whose "toxics" add latency, limit bandwidth or hold data, and which can be cut (every connection
// reset, new ones refused) and restored.
type faultProxy struct {
	listen string
	proxy  *toxiproxy.Proxy
}

// startFaultProxy proxies a free loopback port to the API server at apiServer (an https:// URL). TLS passes
// through unchanged: the API server's certificate is valid for 127.0.0.1 on any port.
func startFaultProxy(apiServer string) (*faultProxy, error) {
	u, err := url.Parse(apiServer)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	zerolog.SetGlobalLevel(zerolog.Disabled) // its toxics log through the global logger
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	p := toxiproxy.NewProxy(server, "apiserver", listen, u.Host)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("starting toxiproxy: %w", err)
	}
	return &faultProxy{listen: listen, proxy: p}, nil
}

// toxic adds a toxic of a kind to both directions of every connection.
func (f *faultProxy) toxic(name, kind string, attributes map[string]int) error {
	for _, stream := range []string{"downstream", "upstream"} {
		spec, _ := json.Marshal(map[string]any{"name": name + "-" + stream, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes})
		if _, err := f.proxy.Toxics.AddToxicJson(strings.NewReader(string(spec))); err != nil {
			return err
		}
	}
	return nil
}

func (f *faultProxy) removeToxic(name string) error {
	for _, stream := range []string{"downstream", "upstream"} {
		if err := f.proxy.Toxics.RemoveToxic(context.Background(), name+"-"+stream); err != nil {
			return err
		}
	}
	return nil
}

// cut resets every connection and refuses new ones until restore.
func (f *faultProxy) cut() { f.proxy.Stop() }

func (f *faultProxy) restore() error { return f.proxy.Start() }

func (f *faultProxy) close() { f.proxy.Stop() }
