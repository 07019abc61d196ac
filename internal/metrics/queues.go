package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Queue gauges, set by the SparkQueue reconciler from the admission manager and deleted with the queue. The
// one label is the queue's name: queues are few and made by administrators, never by applications.
var (
	QueueAdmitted = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_admitted_applications",
		Help: "Applications holding a share of the SparkQueue (admitted, attempt not ended).",
	}, []string{"queue"})
	QueueWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_waiting_applications",
		Help: "Applications waiting to be admitted by the SparkQueue.",
	}, []string{"queue"})
	QueueUsedCores = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_used_cores",
		Help: "CPU cores the SparkQueue's admitted applications hold (their driver and initial executor pods' requests).",
	}, []string{"queue"})
	QueueBorrowedCores = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_borrowed_cores",
		Help: "CPU cores the SparkQueue's admitted applications (with those of the queues under it) hold beyond its fair share of its parent.",
	}, []string{"queue"})
	QueueUsedMemory = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_used_memory_bytes",
		Help: "Memory the SparkQueue's admitted applications hold.",
	}, []string{"queue"})
	QueueQuotaCores = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_quota_cores",
		Help: "The SparkQueue's cores quota (absent when it sets none).",
	}, []string{"queue"})
	QueueQuotaMemory = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "stoke_queue_quota_memory_bytes",
		Help: "The SparkQueue's memory quota (absent when it sets none).",
	}, []string{"queue"})
)

// QueueGauges are every per-queue gauge, for deleting a queue's series.
var QueueGauges = []*prometheus.GaugeVec{QueueAdmitted, QueueWaiting, QueueUsedCores, QueueBorrowedCores, QueueUsedMemory, QueueQuotaCores, QueueQuotaMemory}

func init() {
	for _, g := range QueueGauges {
		ctrlmetrics.Registry.MustRegister(g)
	}
}
