package spark

import (
	"encoding/json"
	"testing"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// FuzzBuild: whatever spec decodes, Build (with its validation) and ExecutorPod give objects or a clean
// error, never a panic. The seeds are specs from the unit tests, as JSON.
func FuzzBuild(f *testing.F) {
	for _, app := range []*stokev1.SparkApplication{scalaApp(), pythonApp()} {
		data, err := json.Marshal(app.Spec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"type":"Scala","sparkVersion":"4.3.0","image":"i","mainClass":"A","sparkConf":{"spark.driver.port":"0","spark.executor.memory":"99999999999999999999p"},"driver":{"sidecars":[{"name":"s","ports":[{"containerPort":4040}]}],"labels":{"spark-role":"x"}},"executor":{"template":{"spec":{"containers":[]}},"coreLimit":"1m"}}`))
	f.Add([]byte(`{"type":"Python","sparkVersion":"3","image":"i","mainApplicationFile":"https://[::1","deps":{"jars":["%%"]},"sparkConf":{"spark.kubernetes.driver.volumes.persistentVolumeClaim.a.options.claimName":"OnDemand","spark.kubernetes.driver.volumes.persistentVolumeClaim.a.mount.path":"/x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		app := scalaApp()
		app.Spec = stokev1.SparkApplicationSpec{}
		if json.Unmarshal(data, &app.Spec) != nil {
			return
		}
		objs, err := Build(app, 1)
		if err != nil {
			return
		}
		if objs.DriverPod == nil || objs.ConfigMap == nil || objs.Service == nil {
			t.Fatalf("Build returned no error and incomplete objects: %+v", objs)
		}
		_, _ = ExecutorPod(app, objs)
	})
}
