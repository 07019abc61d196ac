package server

import (
	"sort"
	"strings"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/submit"
)

// submission is a Spark job described by spark-submit's options, with Livy's field names: the body of a
// Livy batch, and (with image and sparkVersion) of POST /api/v1/namespaces/NS/submissions. It becomes a
// SparkApplication through the same mapping as `stoke submit`'s spark-submit flags.
type submission struct {
	File           string            `json:"file"`
	ProxyUser      string            `json:"proxyUser,omitempty"`
	ClassName      string            `json:"className,omitempty"`
	Args           []string          `json:"args,omitempty"`
	Jars           []string          `json:"jars,omitempty"`
	PyFiles        []string          `json:"pyFiles,omitempty"`
	Files          []string          `json:"files,omitempty"`
	DriverMemory   string            `json:"driverMemory,omitempty"`
	DriverCores    int32             `json:"driverCores,omitempty"`
	ExecutorMemory string            `json:"executorMemory,omitempty"`
	ExecutorCores  int32             `json:"executorCores,omitempty"`
	NumExecutors   int32             `json:"numExecutors,omitempty"`
	Archives       []string          `json:"archives,omitempty"`
	Queue          string            `json:"queue,omitempty"`
	Name           string            `json:"name,omitempty"`
	Conf           map[string]string `json:"conf,omitempty"`

	// Image and SparkVersion are Stoke's: Livy's clients name the image through
	// conf["spark.kubernetes.container.image"], or the server's default image applies.
	Image          string `json:"image,omitempty"`
	SparkVersion   string `json:"sparkVersion,omitempty"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

// application maps the submission onto a SparkApplication in ns. Refusals are 400s naming the field.
func (s *submission) application(ns, defaultImage string) (*stokev1.SparkApplication, error) {
	if strings.TrimSpace(s.File) == "" {
		return nil, badRequest(`"file" is required: the application's jar or Python file, as a URI (local:///opt/... for a file in the image)`)
	}
	conf := make([]string, 0, len(s.Conf))
	for k, v := range s.Conf {
		conf = append(conf, k+"="+v)
	}
	sort.Strings(conf)
	ss := submit.SparkSubmit{
		Class: s.ClassName, Name: s.Name, Conf: conf,
		Jars: strings.Join(s.Jars, ","), Files: strings.Join(s.Files, ","), PyFiles: strings.Join(s.PyFiles, ","),
		Archives: strings.Join(s.Archives, ","), DriverMemory: s.DriverMemory, DriverCores: s.DriverCores,
		ExecutorMemory: s.ExecutorMemory, ExecutorCores: s.ExecutorCores, NumExecutors: s.NumExecutors,
		ProxyUser: s.ProxyUser, Image: s.Image, SparkVersion: s.SparkVersion, ServiceAccount: s.ServiceAccount,
	}
	if ss.Image == "" && s.Conf["spark.kubernetes.container.image"] == "" {
		ss.Image = defaultImage
	}
	app, err := ss.Application(ns, s.File, s.Args)
	if err != nil {
		if cmderr.IsUsage(err) {
			return nil, badRequest("%s", jsonWords(err.Error()))
		}
		return nil, err
	}
	app.Spec.Queue = s.Queue
	return app, nil
}

// jsonWords names the request's fields where the rules shared with the CLI name its flags.
func jsonWords(msg string) string {
	return strings.NewReplacer(
		"--image is required", `"image" (or conf "spark.kubernetes.container.image") is required, and the server has no default image`,
		"--spark-version", `"sparkVersion"`, "--class", `"className"`, "--name", `"name"`, "--jars", `"jars"`,
		"--files", `"files"`, "--py-files", `"pyFiles"`, "--archives", `"archives"`, "--conf", `"conf"`,
		"--driver-cores", `"driverCores"`, "--executor-cores", `"executorCores"`, "--num-executors", `"numExecutors"`,
		"--deploy-mode", `"deployMode"`, "--from", `"from"`, "--to", `"to"`, "--parallelism", `"parallelism"`,
	).Replace(msg)
}
