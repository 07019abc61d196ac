package spark

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// confVolume is one volume declared with spark.kubernetes.<role>.volumes.<type>.<name>.*.
type confVolume struct {
	kind, name string
	mount      corev1.VolumeMount
	options    map[string]string
}

// volumesFromProperties renders the volumes Spark's MountVolumesFeatureStep creates from the role's
// spark.kubernetes.<role>.volumes.* properties, in name order. Spark 3 ignores a hostPath's options.type.
func volumesFromProperties(p map[string]string, role, sparkVersion string) ([]corev1.Volume, []corev1.VolumeMount, error) {
	byKey := map[string]*confVolume{}
	for rest, value := range withPrefix(p, "spark.kubernetes."+role+".volumes.") {
		parts := strings.SplitN(rest, ".", 4)
		if len(parts) < 4 {
			return nil, nil, fmt.Errorf("spark.kubernetes.%s.volumes.%s: expected <type>.<name>.mount.<field> or <type>.<name>.options.<field>", role, rest)
		}
		kind, name, section, field := parts[0], parts[1], parts[2], parts[3]
		v := byKey[kind+"/"+name]
		if v == nil {
			v = &confVolume{kind: kind, name: name, options: map[string]string{}}
			v.mount.Name = name
			byKey[kind+"/"+name] = v
		}
		switch section + "." + field {
		case "mount.path":
			v.mount.MountPath = value
		case "mount.subPath":
			v.mount.SubPath = value
		case "mount.subPathExpr":
			v.mount.SubPathExpr = value
		case "mount.readOnly":
			v.mount.ReadOnly = value == "true"
		default:
			if section != "options" {
				return nil, nil, fmt.Errorf("spark.kubernetes.%s.volumes.%s: unknown setting %s.%s", role, rest, section, field)
			}
			v.options[field] = value
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var volumes []corev1.Volume
	var mounts []corev1.VolumeMount
	for _, k := range keys {
		v := byKey[k]
		if v.mount.MountPath == "" {
			return nil, nil, fmt.Errorf("volume %s of the %s needs spark.kubernetes.%s.volumes.%s.%s.mount.path", v.name, role, role, v.kind, v.name)
		}
		if v.kind == "hostPath" && !AtLeast(sparkVersion, 4) {
			delete(v.options, "type")
		}
		source, err := v.source()
		if err != nil {
			return nil, nil, fmt.Errorf("volume %s of the %s: %w", v.name, role, err)
		}
		volumes = append(volumes, corev1.Volume{Name: v.name, VolumeSource: source})
		mounts = append(mounts, v.mount)
	}
	return volumes, mounts, nil
}

func (v *confVolume) source() (corev1.VolumeSource, error) {
	o := v.options
	switch v.kind {
	case "hostPath":
		return corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: o["path"], Type: ptrTo(corev1.HostPathType(o["type"]))}}, nil
	case "emptyDir":
		ed := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMedium(o["medium"])}
		if s, ok := o["sizeLimit"]; ok {
			q, err := resource.ParseQuantity(s)
			if err != nil {
				return corev1.VolumeSource{}, fmt.Errorf("sizeLimit %q: %w", s, err)
			}
			ed.SizeLimit = &q
		}
		return corev1.VolumeSource{EmptyDir: ed}, nil
	case "nfs":
		ro, _ := strconv.ParseBool(o["readOnly"])
		return corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: o["server"], Path: o["path"], ReadOnly: ro}}, nil
	case "persistentVolumeClaim":
		if o["claimName"] == "" {
			return corev1.VolumeSource{}, fmt.Errorf("options.claimName is required")
		}
		return corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o["claimName"], ReadOnly: v.mount.ReadOnly}}, nil
	}
	return corev1.VolumeSource{}, fmt.Errorf("type %q is not one of hostPath, emptyDir, nfs, persistentVolumeClaim", v.kind)
}

// secretVolumesFromProperties renders spark.kubernetes.<role>.secrets.<secret>=<path> (MountSecretsFeatureStep).
func secretVolumesFromProperties(p map[string]string, role string) ([]corev1.Volume, []corev1.VolumeMount) {
	secrets := withPrefix(p, "spark.kubernetes."+role+".secrets.")
	names := sortedKeys(secrets)
	var volumes []corev1.Volume
	var mounts []corev1.VolumeMount
	for _, name := range names {
		volumes = append(volumes, corev1.Volume{Name: name + "-volume", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name}}})
		mounts = append(mounts, corev1.VolumeMount{Name: name + "-volume", MountPath: secrets[name]})
	}
	return volumes, mounts
}

// secretEnvFromProperties renders spark.kubernetes.<role>.secretKeyRef.<ENV>=<secret>:<key> (EnvSecretsFeatureStep).
func secretEnvFromProperties(p map[string]string, role string) []corev1.EnvVar {
	refs := withPrefix(p, "spark.kubernetes."+role+".secretKeyRef.")
	var env []corev1.EnvVar
	for _, name := range sortedKeys(refs) {
		secret, key, _ := strings.Cut(refs[name], ":")
		env = append(env, corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
		}}})
	}
	return env
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ptrTo[T any](v T) *T { return &v }
