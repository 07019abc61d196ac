package spark

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// ConfUIProxyBase is the path prefix the Spark UI puts in front of its links, for a UI served behind a
// proxy that strips that prefix (spec.ui.ingress).
const ConfUIProxyBase = "spark.ui.proxyBase"

// ConfUIProxyRedirectURI makes the UI's redirects (/ to /jobs/, for one) go to the proxy: "/" means the
// host the request came to, under spark.ui.proxyBase. Without it they would point at the UI's own root and
// leave the Ingress's path.
const ConfUIProxyRedirectURI = "spark.ui.proxyRedirectUri"

// uiPortName names the UI Service's port, as the driver pod's container port is named.
const uiPortName = "spark-ui"

// UIPath is the path spec.ui.ingress routes: its path, else /<namespace>/<name>.
func UIPath(app *stokev1.SparkApplication) string {
	if in := uiIngress(app); in != nil && in.Path != "" {
		return in.Path
	}
	return "/" + app.Namespace + "/" + app.Name
}

// UIProxyBase is the path the UI's links start with behind spec.ui.ingress: sparkConf's
// spark.ui.proxyBase, else the ingress's proxyBase, else its path without a trailing slash.
func UIProxyBase(app *stokev1.SparkApplication) string {
	if v, ok := app.Spec.SparkConf[ConfUIProxyBase]; ok {
		return v
	}
	if in := uiIngress(app); in != nil && in.ProxyBase != "" {
		return in.ProxyBase
	}
	return strings.TrimRight(UIPath(app), "/")
}

// UIURL is where spec.ui.ingress serves the UI (see SparkApplicationStatus.UIURL); empty without one.
func UIURL(app *stokev1.SparkApplication) string {
	in := uiIngress(app)
	if in == nil {
		return ""
	}
	base := UIProxyBase(app) + "/"
	switch {
	case in.Host != "" && in.TLSSecretName != "":
		return "https://" + in.Host + base
	case in.Host != "":
		return "http://" + in.Host + base
	}
	return base
}

func uiIngress(app *stokev1.SparkApplication) *stokev1.UIIngress {
	if app.Spec.UI == nil {
		return nil
	}
	return app.Spec.UI.Ingress
}

// UIServiceWanted reports whether the application asks for a UI Service (an Ingress implies one).
func UIServiceWanted(app *stokev1.SparkApplication) bool {
	return app.Spec.UI != nil && (app.Spec.UI.Service != nil || app.Spec.UI.Ingress != nil)
}

// uiProperties sets spark.ui.proxyBase and spark.ui.proxyRedirectUri for an application behind an
// Ingress, each unless sparkConf sets it.
func uiProperties(p map[string]string, app *stokev1.SparkApplication) {
	if uiIngress(app) == nil {
		return
	}
	if _, set := p[ConfUIProxyBase]; !set {
		p[ConfUIProxyBase] = UIProxyBase(app)
	}
	if _, set := p[ConfUIProxyRedirectURI]; !set {
		p[ConfUIProxyRedirectURI] = "/"
	}
}

// validateUI refuses a UI Service or Ingress for an application whose Spark UI is off.
func validateUI(app *stokev1.SparkApplication) field.ErrorList {
	if UIServiceWanted(app) && app.Spec.SparkConf[ConfUIEnabled] == "false" {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "ui"), "service/ingress",
			"sparkConf["+ConfUIEnabled+"]=false switches the Spark UI off, so there is nothing to expose; drop one of the two")}
	}
	return nil
}

// buildUIService renders <prefix>-ui-svc: the driver's UI port under the Service type asked for, selecting
// the attempt's driver pod. Nil unless spec.ui asks for it.
func buildUIService(app *stokev1.SparkApplication, names Names) *corev1.Service {
	if !UIServiceWanted(app) {
		return nil
	}
	typ, annotations := corev1.ServiceTypeClusterIP, map[string]string(nil)
	if s := app.Spec.UI.Service; s != nil {
		if s.Type != "" {
			typ = s.Type
		}
		annotations = s.Annotations
	}
	port := UIPortOf(app.Spec.SparkConf)
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: names.UIService, Namespace: app.Namespace,
			Labels: map[string]string{LabelAppSelector: names.AppID}, Annotations: nilIfEmpty(annotations)},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{LabelAppSelector: names.AppID, LabelRole: RoleDriver},
			Ports: []corev1.ServicePort{{Name: uiPortName, Port: port, TargetPort: intstr.FromInt32(port),
				Protocol: corev1.ProtocolTCP}},
		},
	}
}

// buildUIIngress renders <prefix>-ui-ingress routing spec.ui.ingress's host and path to the UI Service. Nil
// unless spec.ui asks for it.
func buildUIIngress(app *stokev1.SparkApplication, names Names) *networkingv1.Ingress {
	in := uiIngress(app)
	if in == nil {
		return nil
	}
	pathType := networkingv1.PathTypePrefix
	if in.PathType != nil {
		pathType = *in.PathType
	}
	rule := networkingv1.IngressRule{Host: in.Host, IngressRuleValue: networkingv1.IngressRuleValue{
		HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
			Path: UIPath(app), PathType: &pathType,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: names.UIService, Port: networkingv1.ServiceBackendPort{Name: uiPortName}}},
		}}},
	}}
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: names.UIIngress, Namespace: app.Namespace,
			Labels: map[string]string{LabelAppSelector: names.AppID}, Annotations: nilIfEmpty(in.Annotations)},
		Spec: networkingv1.IngressSpec{IngressClassName: in.ClassName, Rules: []networkingv1.IngressRule{rule}},
	}
	if in.TLSSecretName != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{in.Host}, SecretName: in.TLSSecretName}}
	}
	return ing
}
