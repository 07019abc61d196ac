package spark

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestUIServiceAndIngress(t *testing.T) {
	prefix, regex := networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific
	names := NamesFor("spark-pi", testUID, 3)
	selector := map[string]string{LabelAppSelector: names.AppID, LabelRole: RoleDriver}
	service := func(typ corev1.ServiceType, port int32, annotations map[string]string) *corev1.Service {
		svc := buildUIService(&stokev1.SparkApplication{Spec: stokev1.SparkApplicationSpec{UI: &stokev1.SparkUI{Service: &stokev1.UIService{}}}}, names)
		svc.Namespace, svc.Annotations, svc.Spec.Type = "default", annotations, typ
		svc.Spec.Ports[0].Port, svc.Spec.Ports[0].TargetPort = port, intstr.FromInt32(port)
		return svc
	}
	tests := []struct {
		name      string
		ui        *stokev1.SparkUI
		conf      map[string]string
		service   *corev1.Service
		path      string
		pathType  *networkingv1.PathType
		host, tls string
		proxyBase string // spark.ui.proxyBase; empty: not set
		url       string
	}{
		{name: "nothing asked"},
		{name: "a NodePort Service on a custom UI port", ui: &stokev1.SparkUI{Service: &stokev1.UIService{Type: corev1.ServiceTypeNodePort,
			Annotations: map[string]string{"a": "b"}}}, conf: map[string]string{"spark.ui.port": "4050"},
			service: service(corev1.ServiceTypeNodePort, 4050, map[string]string{"a": "b"})},
		{name: "an Ingress at the default path implies a ClusterIP Service", ui: &stokev1.SparkUI{Ingress: &stokev1.UIIngress{}},
			service: service(corev1.ServiceTypeClusterIP, 4040, nil), path: "/default/spark-pi", pathType: &prefix,
			proxyBase: "/default/spark-pi", url: "/default/spark-pi/"},
		{name: "a host with TLS and a trailing slash", ui: &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Host: "spark.example.com",
			Path: "/ui/pi/", TLSSecretName: "cert"}},
			service: service(corev1.ServiceTypeClusterIP, 4040, nil), path: "/ui/pi/", pathType: &prefix, host: "spark.example.com", tls: "cert",
			proxyBase: "/ui/pi", url: "https://spark.example.com/ui/pi/"},
		{name: "a controller's regular expression with its own proxy base", ui: &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Host: "h",
			Path: "/pi(/|$)(.*)", PathType: &regex, ProxyBase: "/pi"}},
			service: service(corev1.ServiceTypeClusterIP, 4040, nil), path: "/pi(/|$)(.*)", pathType: &regex, host: "h",
			proxyBase: "/pi", url: "http://h/pi/"},
		{name: "sparkConf's proxy base wins", ui: &stokev1.SparkUI{Ingress: &stokev1.UIIngress{}},
			conf:    map[string]string{ConfUIProxyBase: "/mine"},
			service: service(corev1.ServiceTypeClusterIP, 4040, nil), path: "/default/spark-pi", pathType: &prefix,
			proxyBase: "/mine", url: "/mine/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := scalaApp()
			app.Spec.UI, app.Spec.SparkConf = tt.ui, tt.conf
			objs, err := Build(app, 3)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.service, objs.UIService); diff != "" {
				t.Errorf("UI Service (-want +got):\n%s", diff)
			}
			if objs.UIService != nil && !cmp.Equal(objs.UIService.Spec.Selector, selector) {
				t.Errorf("the UI Service selects %v, want the attempt's driver %v", objs.UIService.Spec.Selector, selector)
			}
			if got := objs.Properties[ConfUIProxyBase]; got != tt.proxyBase {
				t.Errorf("%s = %q, want %q", ConfUIProxyBase, got, tt.proxyBase)
			}
			if redirect, want := objs.Properties[ConfUIProxyRedirectURI], map[bool]string{true: "/"}[tt.path != ""]; redirect != want {
				t.Errorf("%s = %q, want %q", ConfUIProxyRedirectURI, redirect, want)
			}
			if got := UIURL(app); got != tt.url {
				t.Errorf("UIURL = %q, want %q", got, tt.url)
			}
			ing := objs.UIIngress
			if tt.path == "" {
				if ing != nil {
					t.Errorf("an Ingress nobody asked for: %+v", ing)
				}
				return
			}
			if ing == nil || ing.Name != names.UIIngress || len(ing.Spec.Rules) != 1 {
				t.Fatalf("Ingress = %+v, want one rule named %s", ing, names.UIIngress)
			}
			rule := ing.Spec.Rules[0]
			p := rule.HTTP.Paths[0]
			if rule.Host != tt.host || p.Path != tt.path || *p.PathType != *tt.pathType || p.Backend.Service.Name != names.UIService ||
				p.Backend.Service.Port.Name != "spark-ui" {
				t.Errorf("rule = host %q path %q (%s) to %+v", rule.Host, p.Path, *p.PathType, p.Backend.Service)
			}
			if (tt.tls == "") != (len(ing.Spec.TLS) == 0) || (tt.tls != "" && (ing.Spec.TLS[0].SecretName != tt.tls || ing.Spec.TLS[0].Hosts[0] != tt.host)) {
				t.Errorf("TLS = %+v, want secret %q", ing.Spec.TLS, tt.tls)
			}
		})
	}
}

func TestUIWithoutTheUIIsRefused(t *testing.T) {
	app := scalaApp()
	app.Spec.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{}}
	app.Spec.SparkConf = map[string]string{ConfUIEnabled: "false"}
	_, err := Build(app, 1)
	var invalid *InvalidSpecError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "spec.ui") || !strings.Contains(err.Error(), "spark.ui.enabled") {
		t.Fatalf("Build = %v, want an invalid spec naming spec.ui and spark.ui.enabled", err)
	}
}
