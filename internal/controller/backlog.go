package controller

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// feedEvery is how often the backlog looks whether the reconciler's queue
// has room while it holds namespaces, besides when a reconcile ends.
const feedEvery = 20 * time.Millisecond

// backlog holds the namespaces plans asked to reconcile that the
// reconciler's queue has not taken yet, in order, each once. It hands
// them to the queue only while the queue is short: from empty, a plan asks
// for every namespace at once and the client's rate limit lets through
// some tens of writes a second, so a queue holding them all would make a
// drift (a policy deleted, a label removed), which its own event queues,
// wait behind thousands of namespaces. With the backlog it waits behind
// the few the queue holds.
type backlog struct {
	mu    sync.Mutex
	order []string
	in    map[string]bool
	wake  chan struct{}
}

func newBacklog() *backlog {
	return &backlog{in: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// add appends the namespaces not in the backlog already.
func (b *backlog) add(names ...string) {
	b.mu.Lock()
	for _, n := range names {
		if !b.in[n] {
			b.in[n] = true
			b.order = append(b.order, n)
		}
	}
	b.mu.Unlock()
	b.poke()
}

// poke wakes the feeder: namespaces came, or the queue has room since a
// reconcile ended.
func (b *backlog) poke() {
	if b == nil {
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// take removes and returns up to n namespaces, the oldest first.
func (b *backlog) take(n int) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, len(b.order))
	out := b.order[:n:n]
	b.order = b.order[n:]
	for _, name := range out {
		delete(b.in, name)
	}
	if len(b.order) == 0 {
		b.order = nil // let the array go
	}
	return out
}

func (b *backlog) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.order)
}

// feed moves namespaces from the backlog into q, keeping q at most short
// long, until ctx ends.
func (b *backlog) feed(ctx context.Context, q queue, short int) {
	for {
		for room := short - q.Len(); room > 0; room = short - q.Len() {
			names := b.take(room)
			if len(names) == 0 {
				break
			}
			for _, n := range names {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Name: n}})
			}
		}
		var tick <-chan time.Time
		if b.len() > 0 {
			tick = time.After(feedEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-tick:
		}
	}
}

// observing is an event handler that, before its own handler queues the
// namespace of an object, forgets the pending write of that object: its
// event is in (see pendingWrites).
type observing struct {
	handler.EventHandler
	kind    string
	pending *pendingWrites
}

func (o observing) Create(ctx context.Context, e event.CreateEvent, q queue) {
	o.pending.seen(o.kind, e.Object)
	o.EventHandler.Create(ctx, e, q)
}

func (o observing) Update(ctx context.Context, e event.UpdateEvent, q queue) {
	o.pending.seen(o.kind, e.ObjectNew)
	o.EventHandler.Update(ctx, e, q)
}

func (o observing) Delete(ctx context.Context, e event.DeleteEvent, q queue) {
	o.pending.seen(o.kind, e.Object)
	o.EventHandler.Delete(ctx, e, q)
}
