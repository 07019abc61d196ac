package spark

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Spark configuration keys of the driver's ports.
const (
	ConfDriverPort             = "spark.driver.port"
	ConfDriverBlockManagerPort = "spark.driver.blockManager.port"
	ConfBlockManagerPort       = "spark.blockManager.port"
	ConfUIPort                 = "spark.ui.port"
	ConfConnectPort            = "spark.connect.grpc.binding.port"
)

// DriverPorts are the driver's ports as Spark resolves them from the user's configuration.
type DriverPorts struct {
	// RPC is spark.driver.port (7078).
	RPC int32
	// BlockManager is spark.driver.blockManager.port (7079): the Service's port and the port the driver is told.
	BlockManager int32
	// BlockManagerContainer is the driver container's block manager port: spark.driver.blockManager.port,
	// else spark.blockManager.port, else 7079 (Spark's BasicDriverFeatureStep falls back to the generic key,
	// its DriverServiceFeatureStep does not).
	BlockManagerContainer int32
	// UI is spark.ui.port (4040).
	UI int32
	// Connect is Spark Connect's spark.connect.grpc.binding.port (15002), exposed from Spark 4.
	Connect int32
}

// ResolveDriverPorts reads the driver's ports from the user's Spark configuration, as spark-submit does. A
// port must be a number from 1 to 65535: Spark's 0 ("any free port") cannot be published in a pod or a
// Service. The error names the sparkConf key.
func ResolveDriverPorts(conf map[string]string) (DriverPorts, error) {
	var ports DriverPorts
	var err error
	read := func(key string, fallback int32) int32 {
		v, ok := conf[key]
		if !ok || err != nil {
			return fallback
		}
		n, perr := strconv.ParseInt(v, 10, 32)
		if perr != nil || n < 1 || n > 65535 {
			err = invalid("spec.sparkConf[%s]: %q is not a port from 1 to 65535 (Kubernetes needs a fixed port for the driver's Service)", key, v)
			return fallback
		}
		return int32(n)
	}
	ports.RPC = read(ConfDriverPort, DriverPort)
	ports.BlockManager = read(ConfDriverBlockManagerPort, BlockManagerPort)
	ports.BlockManagerContainer = read(ConfDriverBlockManagerPort, read(ConfBlockManagerPort, BlockManagerPort))
	ports.UI = read(ConfUIPort, UIPort)
	ports.Connect = read(ConfConnectPort, ConnectPort)
	if err != nil {
		return ports, err
	}
	seen := map[int32]string{}
	for _, p := range []struct {
		key  string
		port int32
	}{{ConfDriverPort, ports.RPC}, {ConfDriverBlockManagerPort, ports.BlockManager}, {ConfUIPort, ports.UI}} {
		if other, dup := seen[p.port]; dup {
			return ports, invalid("spec.sparkConf[%s]: port %d is also the driver's %s", p.key, p.port, other)
		}
		seen[p.port] = p.key
	}
	return ports, nil
}

// driverPortsOrDefault is ResolveDriverPorts for callers that render after Build has validated the
// configuration: an invalid value falls back to Spark's default.
func driverPortsOrDefault(conf map[string]string) DriverPorts {
	ports, _ := ResolveDriverPorts(conf)
	return ports
}

// servicePorts are the driver Service's ports; Spark 4 adds Spark Connect's gRPC port.
func (d DriverPorts) servicePorts(sparkVersion string) []corev1.ServicePort {
	ports := []corev1.ServicePort{
		{Name: "driver-rpc-port", Port: d.RPC, TargetPort: intstr.FromInt32(d.RPC), Protocol: corev1.ProtocolTCP},
		{Name: "blockmanager", Port: d.BlockManager, TargetPort: intstr.FromInt32(d.BlockManager), Protocol: corev1.ProtocolTCP},
		{Name: "spark-ui", Port: d.UI, TargetPort: intstr.FromInt32(d.UI), Protocol: corev1.ProtocolTCP},
	}
	if AtLeast(sparkVersion, 4) {
		ports = append(ports, corev1.ServicePort{Name: "spark-connect", Port: d.Connect, TargetPort: intstr.FromInt32(d.Connect),
			Protocol: corev1.ProtocolTCP, AppProtocol: ptrTo("grpc")})
	}
	return ports
}

// containerPorts are the driver container's ports.
func (d DriverPorts) containerPorts(sparkVersion string) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, p := range d.servicePorts(sparkVersion) {
		port := p.Port
		if p.Name == "blockmanager" {
			port = d.BlockManagerContainer
		}
		out = append(out, corev1.ContainerPort{Name: p.Name, ContainerPort: port, Protocol: corev1.ProtocolTCP})
	}
	return out
}

// UIPortOf is the port of the application's Spark UI in its driver pod.
func UIPortOf(conf map[string]string) int32 { return driverPortsOrDefault(conf).UI }

// UIPortOfPod is the Spark UI port a driver pod declares (its spark-ui container port), else Spark's default.
func UIPortOfPod(pod *corev1.Pod) int32 {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == "spark-ui" {
				return p.ContainerPort
			}
		}
	}
	return UIPort
}

// describePorts lists the ports for messages.
func (d DriverPorts) describe(sparkVersion string) string {
	s := fmt.Sprintf("%d, %d, %d", d.RPC, d.BlockManagerContainer, d.UI)
	if AtLeast(sparkVersion, 4) {
		s += fmt.Sprintf(", %d", d.Connect)
	}
	return s
}
