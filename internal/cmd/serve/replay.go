package serve

import (
	"reflect"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Replay is the webhook without its server: the Handler the API server
// calls, over a state fed by hand with what the informers would deliver.
// It is how bulkhead check's decisions are held to the webhook's own
// (the parity test): the same requests, answered by the same code.
type Replay struct {
	state *state
	// Handler answers admission reviews as the served webhook does.
	Handler *Handler
}

// NewReplay returns a webhook whose caches have synced, holding nothing
// yet; log receives what the served one logs.
func NewReplay(tc tenancy.Config, cfg admission.Config, log logr.Logger) *Replay {
	s := newState(tc, cfg)
	s.markSynced()
	return &Replay{state: s, Handler: &Handler{decisions: s.decisions, config: &s.config, log: log}}
}

// Observe delivers an object as an informer's add or update event would:
// objects of kinds the webhook does not watch never reach it.
func (r *Replay) Observe(obj runtime.Object) {
	if watches(obj) {
		r.state.apply(obj)
	}
}

// watches reports whether an informer of the webhook watches obj's kind.
func watches(obj runtime.Object) bool {
	t := reflect.TypeOf(obj)
	for _, w := range append(watched(), servedOnly()...) {
		if reflect.TypeOf(w) == t {
			return true
		}
	}
	return false
}
