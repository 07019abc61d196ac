package server

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// BatchIDConfigMap holds, in the server's namespace, the end of the last block of Livy batch ids taken
// (the next block starts there).
const BatchIDConfigMap = "stoke-server-livy-batch-ids"

const lastIDKey = "last"

// batchIDBlock is how many ids a server takes from the counter at once.
const batchIDBlock = 16

// batchIDs gives out Livy batch ids: numbers that stay the same across server restarts and replicas and
// are never given out twice. A server takes a block of ids at a time by a compare-and-swap update of one
// ConfigMap on the API server (a replica that loses the race reads the new value and tries again), then
// gives them out in order from memory, so most batches cost no extra request. Ids whose block a restart
// abandons, or whose create fails, are never given out again: ids may have gaps.
type batchIDs struct {
	client    client.Client
	namespace string

	mu          sync.Mutex
	from, until int64 // the block in hand: from up to, not including, until
}

func (b *batchIDs) next(ctx context.Context) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.from == b.until {
		first, err := b.takeBlock(ctx)
		if err != nil {
			return 0, err
		}
		b.from, b.until = first, first+batchIDBlock
	}
	id := b.from
	b.from++
	return id, nil
}

// takeBlock advances the counter by a block and returns the block's first id.
func (b *batchIDs) takeBlock(ctx context.Context) (int64, error) {
	for {
		cm := &corev1.ConfigMap{}
		err := b.client.Get(ctx, client.ObjectKey{Namespace: b.namespace, Name: BatchIDConfigMap}, cm)
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: b.namespace, Name: BatchIDConfigMap},
				Data: map[string]string{lastIDKey: "0"}}
			if err := b.client.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
				return 0, fmt.Errorf("creating the Livy batch id counter %s/%s: %w", b.namespace, BatchIDConfigMap, err)
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("reading the Livy batch id counter %s/%s: %w", b.namespace, BatchIDConfigMap, err)
		}
		last, err := strconv.ParseInt(cm.Data[lastIDKey], 10, 64)
		if err != nil || last < 0 {
			return 0, fmt.Errorf("the Livy batch id counter %s/%s holds %q, not a number", b.namespace, BatchIDConfigMap, cm.Data[lastIDKey])
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[lastIDKey] = strconv.FormatInt(last+batchIDBlock, 10)
		err = b.client.Update(ctx, cm) // carries the resourceVersion read: a conflict if another replica won
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("advancing the Livy batch id counter %s/%s: %w", b.namespace, BatchIDConfigMap, err)
		}
		return last, nil
	}
}
