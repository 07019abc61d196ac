package cli

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
)

// ServerOptions are the flags of `stoke server`.
type ServerOptions struct {
	Kubeconfig     string
	Listen         string
	TLSCertFile    string
	TLSKeyFile     string
	Namespace      string
	LivyPrefix     string
	LivyCSRF       bool
	DefaultImage   string
	HistoryServer  string
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	ProxyCAFile    string
	ProxyNames     []string
	ProxyUser      string
	ProxyGroup     string
	ClientQPS      float32
	ClientBurst    int
	Dev            bool
}

// NewServerCommand builds `stoke server`.
func NewServerCommand() *cobra.Command {
	o := &ServerOptions{}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Serve Stoke's REST API and Livy-compatible batches, with the callers' Kubernetes identities",
		Long: `Serve Stoke's REST API (/api/v1/namespaces/NS/...) and Livy-compatible batches (PREFIX/NS/batches).
Every request carries a Kubernetes bearer token; the server checks it with a TokenReview, authorises reads with
SubjectAccessReviews and makes writes as the caller (impersonation). See docs/server.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration or $KUBECONFIG when unset")
	f.StringVar(&o.Listen, "listen", ":8080", "address to serve on")
	f.StringVar(&o.TLSCertFile, "tls-cert-file", "", "serve HTTPS with this certificate (PEM; with --tls-key-file)")
	f.StringVar(&o.TLSKeyFile, "tls-key-file", "", "the certificate's private key (PEM)")
	f.StringVar(&o.Namespace, "namespace", "", "namespace of the server's own state (the Livy batch id counter); $POD_NAMESPACE, else default")
	f.StringVar(&o.LivyPrefix, "livy-prefix", "/livy", "path of the Livy-compatible API (a Livy client's URL is SERVER/PREFIX/NAMESPACE); empty turns it off")
	f.BoolVar(&o.LivyCSRF, "livy-csrf", false, "require X-Requested-By on Livy's POST and DELETE, as livy.server.csrf-protection.enabled does")
	f.StringVar(&o.DefaultImage, "default-image", "", "Spark image for submissions that name none (Livy batches without conf spark.kubernetes.container.image)")
	f.StringVar(&o.HistoryServer, "history-server-url", "", "Spark History Server (http://host:port) whose pages of finished applications the server shows at .../applications/NAME/history/")
	f.Int64Var(&o.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted")
	f.DurationVar(&o.RequestTimeout, "request-timeout", 30*time.Second, "longest time a request that does not stream may take")
	f.StringVar(&o.ProxyCAFile, "requestheader-client-ca-file", "", "trust the user and groups a front proxy passes in headers, when it presents a client certificate signed by these CAs (PEM; needs --tls-cert-file)")
	f.StringSliceVar(&o.ProxyNames, "requestheader-allowed-names", nil, "common names the front proxy's certificate may have (any, when empty)")
	f.StringVar(&o.ProxyUser, "requestheader-username-header", "X-Remote-User", "the front proxy's header naming the user")
	f.StringVar(&o.ProxyGroup, "requestheader-group-header", "X-Remote-Group", "the front proxy's header naming the user's groups")
	f.Float32Var(&o.ClientQPS, "client-qps", 200, "requests per second to the API server (token and access reviews, callers' writes), sustained")
	f.IntVar(&o.ClientBurst, "client-burst", 400, "requests to the API server in a burst")
	f.BoolVar(&o.Dev, "dev", false, "human-readable logs instead of JSON")
	return cmd
}

// Run serves until the command's context ends.
func (o *ServerOptions) Run(cmd *cobra.Command) error {
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return &UsageError{Err: fmt.Errorf("--tls-cert-file and --tls-key-file go together")}
	}
	var proxy *server.FrontProxy
	if o.ProxyCAFile != "" {
		if o.TLSCertFile == "" {
			return &UsageError{Err: fmt.Errorf("--requestheader-client-ca-file needs --tls-cert-file: the proxy is known by its client certificate")}
		}
		pem, err := os.ReadFile(o.ProxyCAFile)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("--requestheader-client-ca-file: %w", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return &UsageError{Err: fmt.Errorf("--requestheader-client-ca-file %s holds no PEM certificate", o.ProxyCAFile)}
		}
		proxy = &server.FrontProxy{CAs: pool, Names: o.ProxyNames, UserHeader: o.ProxyUser, GroupHeader: o.ProxyGroup}
	}
	log := zap.New(zap.UseDevMode(o.Dev))
	ctrl.SetLogger(log)
	restConfig, err := restConfigFor(o.Kubeconfig, "")
	if err != nil {
		return err
	}
	// client-go's default of 5 a second would hold every request behind its SubjectAccessReview.
	restConfig.QPS, restConfig.Burst = o.ClientQPS, o.ClientBurst
	operator.WaitForAPIServer(restConfig) // its informers, too, resume the moment a restarted API server listens
	ns := o.Namespace
	if ns == "" {
		ns = os.Getenv("POD_NAMESPACE")
	}
	srv, err := server.New(server.Options{
		Config: restConfig, Scheme: operator.Scheme(), Namespace: ns, LivyPrefix: o.LivyPrefix, LivyCSRF: o.LivyCSRF,
		DefaultImage: o.DefaultImage, HistoryServerURL: o.HistoryServer, MaxBodyBytes: o.MaxBodyBytes, FrontProxy: proxy, RequestTimeout: o.RequestTimeout, Log: log.WithName("server"),
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.Listen, err)
	}
	if err := srv.Start(cmd.Context()); err != nil {
		return err
	}
	log.Info("serving", "address", l.Addr().String(), "tls", o.TLSCertFile != "", "livyPrefix", o.LivyPrefix)
	return srv.Serve(cmd.Context(), l, o.TLSCertFile, o.TLSKeyFile)
}
