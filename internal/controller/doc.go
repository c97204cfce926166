// Package controller keeps harden's baseline in every tenant namespace:
// the NetworkPolicies (those that select every pod folded into one,
// BaselinePolicy, which allows exactly what they do) and the Pod Security
// labels `bulkhead harden` would write, applied server-side and repaired
// when they drift.
//
// Setup registers it with a controller-runtime manager (bulkhead serve's).
// It reads the cluster from the manager's informers only: their events
// feed a snapshot.Store, which a planner turns into the desired state of
// each namespace (harden.Build on the store's view) a short debounce after
// the last change; the reconciler, keyed by namespace, compares that state
// with the cached objects and writes only what differs, so that a
// converged cluster costs no write at all. It never writes into a system
// namespace or its own, never changes a NetworkPolicy it did not write,
// and deletes only the objects it marked as its own.
package controller
