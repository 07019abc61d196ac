package spark

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// confVolume is one volume declared with spark.kubernetes.<role>.volumes.<type>.<name>.*.
type confVolume struct {
	kind, name string
	mount      corev1.VolumeMount
	options    map[string]string
}

// volumesFromProperties renders the volumes Spark's MountVolumesFeatureStep creates from the role's
// spark.kubernetes.<role>.volumes.* properties, in name order. Spark 3 ignores a hostPath's options.type.
//
// A persistentVolumeClaim's claimName "OnDemand" becomes <prefix>-driver-pvc-<index>, and a claim with both
// options.storageClass and options.sizeLimit is created by Spark (returned as claims): ReadWriteOnce in Spark 3,
// ReadWriteOncePod from Spark 4, labelled with the application id. The index is the volume's position in name order (Spark's is the order
// of its configuration map).
func volumesFromProperties(p map[string]string, role, sparkVersion, namespace string, names Names) ([]corev1.Volume, []corev1.VolumeMount, []*corev1.PersistentVolumeClaim, error) {
	byKey := map[string]*confVolume{}
	for rest, value := range withPrefix(p, "spark.kubernetes."+role+".volumes.") {
		parts := strings.SplitN(rest, ".", 4)
		if len(parts) < 4 {
			return nil, nil, nil, fmt.Errorf("spark.kubernetes.%s.volumes.%s: expected <type>.<name>.mount.<field> or <type>.<name>.options.<field>", role, rest)
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
				return nil, nil, nil, fmt.Errorf("spark.kubernetes.%s.volumes.%s: unknown setting %s.%s", role, rest, section, field)
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
	var claims []*corev1.PersistentVolumeClaim
	for i, k := range keys {
		v := byKey[k]
		if v.mount.MountPath == "" {
			return nil, nil, nil, fmt.Errorf("volume %s of the %s needs spark.kubernetes.%s.volumes.%s.%s.mount.path", v.name, role, role, v.kind, v.name)
		}
		if v.kind == "hostPath" && !AtLeast(sparkVersion, 4) {
			delete(v.options, "type")
		}
		if v.kind == "persistentVolumeClaim" && role == RoleDriver {
			v.options["claimName"] = strings.ReplaceAll(v.options["claimName"], "OnDemand", fmt.Sprintf("%s-driver-pvc-%d", names.Prefix, i))
		}
		source, err := v.source()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("volume %s of the %s: %w", v.name, role, err)
		}
		if v.kind == "persistentVolumeClaim" && role == RoleDriver && v.options["storageClass"] != "" && v.options["sizeLimit"] != "" {
			size, err := resource.ParseQuantity(v.options["sizeLimit"])
			if err != nil {
				return nil, nil, nil, fmt.Errorf("volume %s of the %s: sizeLimit %q: %w", v.name, role, v.options["sizeLimit"], err)
			}
			claims = append(claims, &corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: source.PersistentVolumeClaim.ClaimName, Namespace: namespace,
					Labels: map[string]string{LabelAppSelector: names.AppID}},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      []corev1.PersistentVolumeAccessMode{claimAccessMode(sparkVersion)},
					StorageClassName: ptrTo(v.options["storageClass"]),
					Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
				},
			})
		}
		volumes = append(volumes, corev1.Volume{Name: v.name, VolumeSource: source})
		mounts = append(mounts, v.mount)
	}
	return volumes, mounts, claims, nil
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

// claimAccessMode is the access mode of the driver's claims: Spark 4 uses ReadWriteOncePod.
func claimAccessMode(sparkVersion string) corev1.PersistentVolumeAccessMode {
	if AtLeast(sparkVersion, 4) {
		return corev1.ReadWriteOncePod
	}
	return corev1.ReadWriteOnce
}
