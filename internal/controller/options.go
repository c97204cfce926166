package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// FieldOwner is the field manager of every server-side apply the
// controller makes.
const FieldOwner = "bulkhead-controller"

// KeptByAnnotation marks, with value FieldOwner, the NetworkPolicies the
// controller applied: the only objects it ever deletes. A policy harden's
// command line wrote carries harden.ManagedByLabel but not this, and is
// adopted only when the baseline names it.
const KeptByAnnotation = "bulkhead.dev/kept-by"

// StatusAnnotation is the Namespace annotation where the controller says
// how the namespace's baseline stands: "synced", "error: ..." or
// "conflict: ...".
const StatusAnnotation = "bulkhead.dev/baseline"

// Name is the controller's name: its logger's, its metrics' and its
// events' source.
const Name = "bulkhead-baseline"

// DefaultDebounce is how long the planner waits after a change of the
// cluster before it plans again, so that a burst of events costs one plan.
const DefaultDebounce = 250 * time.Millisecond

// Options configure the controller.
type Options struct {
	// Tenancy says how namespaces group into tenants, as for audit.
	Tenancy tenancy.Config
	// Harden are the plan's options. Only the network and pod-security
	// layers are kept (all others are proposals for a human, or write
	// objects the controller does not watch); empty Layers means both.
	// AdminNetwork is refused: its policies are cluster-scoped.
	Harden harden.Options
	// Namespace is the controller's own namespace, which it never writes
	// into (besides the system namespaces of Tenancy).
	Namespace string
	// Debounce is the planner's wait after a change; DefaultDebounce when
	// zero.
	Debounce time.Duration
	// MaxConcurrentReconciles is how many namespaces are reconciled at
	// once; 4 when zero. The client's rate limiter bounds the writes
	// whatever it is.
	MaxConcurrentReconciles int

	// skipNameValidation lets tests start several managers with this
	// controller in one process.
	skipNameValidation bool
	// reconciled, when set, is told of each reconcile of a namespace the
	// controller keeps, and whether it left the namespace's baseline in
	// place (no error, no conflict): how the benchmark knows it converged.
	reconciled func(ns string, inPlace bool)
	// planned, when set, is told of each plan: how long it took and how
	// many namespaces' baselines it changed.
	planned func(took time.Duration, changed int)
}

// kept are the layers the controller keeps.
var kept = []harden.Layer{harden.Network, harden.PodSecurity}

// withDefaults checks opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Harden.AdminNetwork {
		return o, fmt.Errorf("harden options: the controller keeps NetworkPolicies per namespace, not cluster-scoped AdminNetworkPolicies")
	}
	if len(o.Harden.Layers) == 0 {
		o.Harden.Layers = slices.Clone(kept)
	}
	for _, l := range o.Harden.Layers {
		if !slices.Contains(kept, l) {
			return o, fmt.Errorf("harden options: layer %s is not one the controller keeps (%s, %s)", l, harden.Network, harden.PodSecurity)
		}
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	return o, nil
}
