package controller

import (
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// pendingFor is how long a write is taken to be on its way to the cache:
// its watch event comes within milliseconds, this is only the bound for
// one that never does.
const pendingFor = 30 * time.Second

// objectKey names a written object: its kind, namespace and name.
type objectKey struct{ kind, namespace, name string }

// pendingWrites remembers the writes of the controller that the informers
// have not shown yet. The cache is a little behind the API server: a
// namespace queued again right after a write (the event of its own policy
// arrives while it is still being reconciled) would find its labels not
// yet there and write them a second time. A write is pending until the
// watch event of its object reaches the controller's event handler, which
// forgets it before it queues the namespace: any later change of the
// object (a drift) comes after that event on the same watch, so it is
// never mistaken for the write. While a write is pending, the same write
// is not made again; a different one (the baseline changed) is.
type pendingWrites struct {
	mu     sync.Mutex
	writes map[objectKey]pendingWrite
	now    func() time.Time
}

type pendingWrite struct {
	// body identifies what was written.
	body string
	at   time.Time
}

func newPendingWrites() *pendingWrites {
	return &pendingWrites{writes: map[objectKey]pendingWrite{}, now: time.Now}
}

// wrote records a write of body to key.
func (p *pendingWrites) wrote(key objectKey, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writes[key] = pendingWrite{body: body, at: p.now()}
}

// has reports whether the same write of body to key is still on its way
// to the cache.
func (p *pendingWrites) has(key objectKey, body string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.writes[key]
	if ok && p.now().Sub(w.at) > pendingFor {
		delete(p.writes, key)
		return false
	}
	return ok && w.body == body
}

// seen forgets the pending write of an object whose event arrived.
func (p *pendingWrites) seen(kind string, obj client.Object) {
	if obj == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.writes, objectKey{kind, obj.GetNamespace(), obj.GetName()})
}
