package submit

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/spark"
)

// SparkSubmit holds the spark-submit style flags of `stoke submit`.
type SparkSubmit struct {
	Class             string
	Name              string
	Conf              []string
	Jars              string
	Files             string
	PyFiles           string
	Archives          string
	DriverMemory      string
	DriverCores       int32
	DriverJavaOptions string
	ExecutorMemory    string
	ExecutorCores     int32
	NumExecutors      int32
	PropertiesFile    string
	ProxyUser         string
	Master            string
	DeployMode        string

	Image          string
	SparkVersion   string
	ServiceAccount string
}

// imageKey is the Spark property spark-submit takes the container image from.
const imageKey = "spark.kubernetes.container.image"

var versionInTag = regexp.MustCompile(`^v?([0-9]+\.[0-9]+(\.[0-9]+)?)`)

// Application turns the flags, the primary resource and its arguments into a SparkApplication in ns, the
// way spark-submit --deploy-mode cluster would have submitted them.
func (s *SparkSubmit) Application(ns, primary string, args []string) (*stokev1.SparkApplication, error) {
	if s.DeployMode != "" && s.DeployMode != "cluster" {
		return nil, cmderr.Usagef("--deploy-mode %s: Stoke always runs the driver in the cluster (cluster mode)", s.DeployMode)
	}
	conf := map[string]string{}
	if s.PropertiesFile != "" {
		props, err := readProperties(s.PropertiesFile)
		if err != nil {
			return nil, err
		}
		for k, v := range props {
			if strings.HasPrefix(k, "spark.") {
				conf[k] = v
			}
		}
	}
	for _, kv := range s.Conf {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, cmderr.Usagef("--conf %q: want KEY=VALUE", kv)
		}
		conf[strings.TrimSpace(k)] = v
	}
	image := s.Image
	if image == "" {
		image = conf[imageKey]
	}
	delete(conf, imageKey)
	if image == "" {
		return nil, cmderr.Usagef("--image is required: the container image holding Spark and the application")
	}
	version := s.SparkVersion
	if version == "" {
		version = versionFromImage(image)
		if version == "" {
			return nil, cmderr.Usagef("cannot tell the Spark version from image %q: add --spark-version (for example 3.5.7)", image)
		}
	}
	if err := needsScheme("application", primary); err != nil {
		return nil, err
	}

	app := &stokev1.SparkApplication{
		TypeMeta:   metav1.TypeMeta{Kind: "SparkApplication", APIVersion: stokev1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns},
		Spec: stokev1.SparkApplicationSpec{
			SparkVersion:        version,
			Image:               image,
			MainApplicationFile: &primary,
			Arguments:           args,
		},
	}
	spec := &app.Spec
	switch ext := strings.ToLower(path.Ext(primary)); ext {
	case ".py":
		spec.Type = stokev1.ApplicationTypePython
	case ".r":
		spec.Type = stokev1.ApplicationTypeR
	default:
		spec.Type = stokev1.ApplicationTypeJava
		if s.Class == "" {
			return nil, cmderr.Usagef("--class is required for a JVM application (%s)", primary)
		}
	}
	if s.Class != "" {
		if spec.Type != stokev1.ApplicationTypeJava {
			return nil, cmderr.Usagef("--class is only for JVM applications, not %s", primary)
		}
		spec.MainClass = &s.Class
	}

	if s.Name != "" {
		name := objectName(s.Name)
		if name == "" {
			return nil, cmderr.Usagef("--name %q: no letters or digits to name the application with", s.Name)
		}
		app.Name = name
		if name != s.Name {
			conf["spark.app.name"] = s.Name
		}
	} else {
		base := s.Class
		if i := strings.LastIndexByte(base, '.'); i >= 0 {
			base = base[i+1:]
		}
		if base == "" {
			base = strings.TrimSuffix(path.Base(primary), path.Ext(primary))
		}
		app.GenerateName = objectName(base)
		if app.GenerateName == "" {
			app.GenerateName = "spark"
		}
		if len(app.GenerateName) > 40 {
			app.GenerateName = app.GenerateName[:40]
		}
		app.GenerateName = strings.TrimRight(app.GenerateName, "-.") + "-"
	}

	var err error
	if spec.Deps.Jars, err = uriList("--jars", s.Jars); err != nil {
		return nil, err
	}
	if spec.Deps.Files, err = uriList("--files", s.Files); err != nil {
		return nil, err
	}
	if spec.Deps.PyFiles, err = uriList("--py-files", s.PyFiles); err != nil {
		return nil, err
	}
	if spec.Deps.Archives, err = uriList("--archives", s.Archives); err != nil {
		return nil, err
	}
	setString := func(dst **string, v string) {
		if v != "" {
			*dst = &v
		}
	}
	setInt := func(flag string, dst **int32, v int32) error {
		if v < 0 {
			return cmderr.Usagef("%s %d: must not be negative", flag, v)
		}
		if v > 0 {
			*dst = &v
		}
		return nil
	}
	setString(&spec.Driver.Memory, s.DriverMemory)
	setString(&spec.Driver.JavaOptions, s.DriverJavaOptions)
	setString(&spec.Executor.Memory, s.ExecutorMemory)
	setString(&spec.Driver.ServiceAccount, s.ServiceAccount)
	if err := setInt("--driver-cores", &spec.Driver.Cores, s.DriverCores); err != nil {
		return nil, err
	}
	if err := setInt("--executor-cores", &spec.Executor.Cores, s.ExecutorCores); err != nil {
		return nil, err
	}
	if s.NumExecutors < 0 {
		return nil, cmderr.Usagef("--num-executors %d: must not be negative", s.NumExecutors)
	}
	if s.NumExecutors > 0 {
		n := s.NumExecutors
		spec.Executor.Instances = &n
	}
	if s.ProxyUser != "" {
		conf["spark.kubernetes.proxyUser"] = s.ProxyUser
	}
	if len(conf) > 0 {
		spec.SparkConf = conf
	}
	// spark-submit's flags win over --conf and --properties-file; the operator refuses a sparkConf value the
	// spec replaces, so the replaced ones are left out here, as spark-submit would ignore them.
	for _, key := range spark.ConfReplacedBySpec(app) {
		delete(spec.SparkConf, key)
	}
	return app, nil
}

// versionFromImage reads a Spark version from an image tag such as spark:3.5.7-scala2.12 or
// apache/spark:v4.0.1; "" when the tag does not start with one.
func versionFromImage(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	i := strings.LastIndexByte(image, ':')
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	m := versionInTag.FindStringSubmatch(image[i+1:])
	if m == nil {
		return ""
	}
	return m[1]
}

// objectName makes a Kubernetes object name from an application name: lower case letters, digits and
// single dashes, starting and ending with a letter or digit, at most 63 characters.
func objectName(s string) string {
	var b strings.Builder
	dash := true
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > validation.DNS1035LabelMaxLength {
		out = strings.TrimRight(out[:validation.DNS1035LabelMaxLength], "-")
	}
	return out
}

func uriList(flag, value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	var out []string
	for _, u := range strings.Split(value, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if err := needsScheme(flag, u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// needsScheme rejects paths on the user's machine: Stoke does not upload files, so every file is either in
// the image (local://) or at a URI the driver can fetch.
func needsScheme(what, uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 {
		return cmderr.Usagef("%s %q is not a URI: use local:///path for a file inside the image, or a URI the driver can fetch (https://, s3a://, hdfs://, ...); stoke does not upload local files", what, uri)
	}
	return nil
}

// readProperties reads a Java properties file as spark-submit's --properties-file does: key=value,
// key:value or key value per line, # and ! comments, surrounding blanks trimmed.
func readProperties(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, cmderr.Usagef("--properties-file: %v", err)
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	pending := ""
	for sc.Scan() {
		line := pending + strings.TrimLeft(sc.Text(), " \t\f")
		pending = ""
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		if strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) {
			pending = strings.TrimSuffix(line, `\`)
			continue
		}
		end := strings.IndexAny(line, "=: \t")
		if end < 0 {
			props[line] = ""
			continue
		}
		key, rest := line[:end], strings.TrimLeft(line[end:], " \t")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t")
		}
		props[key] = strings.TrimRight(rest, " \t")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return props, nil
}
