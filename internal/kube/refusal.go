package kube

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// RBACResources names the four RBAC kinds as snapshot Gap names. Without
// all four an RBAC answer stands on part of the roles and bindings.
var RBACResources = []string{
	"roles.rbac.authorization.k8s.io",
	"rolebindings.rbac.authorization.k8s.io",
	"clusterroles.rbac.authorization.k8s.io",
	"clusterrolebindings.rbac.authorization.k8s.io",
}

// essential lists the resources without which no verdict means anything:
// the tenants (namespaces), the workloads (pods), who may do what (RBAC) and
// the network policy, with the path a list of each requests. A live load
// that cannot list one of them fails unless Options.AllowIncomplete is set.
// Every other resource is optional: a gap in it only marks the analyses
// that read it incomplete, and AdminNetworkPolicy or a CNI's own policy
// kinds not being served is normal.
var essential = []struct{ resource, path string }{
	{"namespaces", "/api/v1/namespaces"},
	{"pods", "/api/v1/pods"},
	{RBACResources[0], "/apis/rbac.authorization.k8s.io/v1/roles"},
	{RBACResources[1], "/apis/rbac.authorization.k8s.io/v1/rolebindings"},
	{RBACResources[2], "/apis/rbac.authorization.k8s.io/v1/clusterroles"},
	{RBACResources[3], "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"},
	{"networkpolicies.networking.k8s.io", "/apis/networking.k8s.io/v1/networkpolicies"},
}

// Refusal is one essential list that the server refused or does not serve.
type Refusal struct {
	// Resource is the Gap name ("pods", "roles.rbac.authorization.k8s.io").
	Resource string
	// Path is the URL path the list requested.
	Path string
	// Err is the server's answer.
	Err error
}

func (r Refusal) String() string {
	name, _, _ := strings.Cut(r.Resource, ".")
	switch {
	case apierrors.IsForbidden(r.Err):
		msg := r.Err.Error()
		if _, why, ok := strings.Cut(msg, "is forbidden: "); ok {
			msg = why
		}
		return fmt.Sprintf("forbidden: cannot list %s cluster-wide (%s)", name, msg)
	case apierrors.IsNotFound(r.Err):
		return fmt.Sprintf("not served: the server answered 404 Not Found for %s", r.Path)
	}
	return fmt.Sprintf("cannot list %s: %v", name, r.Err)
}

// IncompleteError is what a live load returns when the server refused or
// does not serve a resource every analysis needs, and incomplete input was
// not allowed.
type IncompleteError struct {
	// Server is the API server's URL.
	Server string
	// Refusals are the essential lists that failed, in listing order.
	Refusals []Refusal
	// Anonymous is set when the client sent no credentials, so the server
	// judged the requests as system:anonymous.
	Anonymous bool
}

func (e *IncompleteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the server at %s refused what the analysis needs:", e.Server)
	forbidden := false
	for _, r := range e.Refusals {
		forbidden = forbidden || apierrors.IsForbidden(r.Err)
	}
	if len(e.Refusals) == 1 {
		b.WriteString(" " + e.Refusals[0].String() + ": ")
	} else {
		for _, r := range e.Refusals {
			b.WriteString("\n  " + r.String())
		}
		b.WriteString("\n")
	}
	switch {
	case e.Anonymous:
		b.WriteString("the kubeconfig gives no credentials, so the server judged the requests as system:anonymous: give it a user bound to bulkhead's role from deploy/rbac.yaml, or ")
	case forbidden:
		b.WriteString("grant bulkhead's role from deploy/rbac.yaml or ")
	}
	b.WriteString("pass --allow-incomplete to analyse what it could read (every analysis that needs them is then incomplete)")
	return b.String()
}

// refusals returns the essential lists the load could not read.
func (l *loader) refusals() []Refusal {
	var out []Refusal
	for _, e := range essential {
		if err, ok := l.refused[e.resource]; ok {
			out = append(out, Refusal{Resource: e.resource, Path: e.path, Err: err})
		}
	}
	return out
}

// unauthorized explains a 401: the server does not accept the credentials
// at all, so nothing can be read and no flag makes the load incomplete
// instead.
func (l *loader) unauthorized(err error) error {
	why := "the kubeconfig's token or client certificate is expired, revoked or not trusted by this server"
	if l.anonymous {
		why = "the kubeconfig gives no credentials for it"
	}
	return fmt.Errorf("credentials refused (%d %s) by the server at %s: %s (%w)", http.StatusUnauthorized, http.StatusText(http.StatusUnauthorized), l.server, why, err)
}

// notKubernetes explains a server that does not serve namespaces: every
// Kubernetes API server does, so the URL points somewhere else.
func (l *loader) notKubernetes() error {
	return fmt.Errorf("the server at %s answered 404 Not Found for /api/v1/namespaces: is this a Kubernetes API server? (check the server URL of the kubeconfig's cluster)", l.server)
}

// anonymous reports whether cfg sends no credentials.
func anonymous(cfg *rest.Config) bool {
	return cfg.BearerToken == "" && cfg.BearerTokenFile == "" && cfg.Username == "" && cfg.Password == "" &&
		len(cfg.CertData) == 0 && cfg.CertFile == "" && cfg.ExecProvider == nil && cfg.AuthProvider == nil
}

// RBACGaps returns the gaps of the snapshot in the RBAC kinds.
func RBACGaps(snap *snapshot.Snapshot) []snapshot.Gap {
	var out []snapshot.Gap
	for _, g := range snap.Gaps {
		for _, r := range RBACResources {
			if g.Resource == r {
				out = append(out, g)
			}
		}
	}
	return out
}

// ErrNoRBAC is wrapped by RequireRBAC's error.
var ErrNoRBAC = errors.New("RBAC data incomplete")

// RequireRBAC fails when the snapshot lacks a RBAC kind (a live load with
// incomplete input allowed, or a snapshot file taken from one): an answer
// about who may do what would stand on part of the roles and bindings.
// Counts do not matter: a snapshot may hold no RBAC object at all and still
// be complete.
func RequireRBAC(snap *snapshot.Snapshot) error {
	gaps := RBACGaps(snap)
	if len(gaps) == 0 {
		return nil
	}
	var parts []string
	for _, g := range gaps {
		parts = append(parts, g.Resource+" "+g.Reason)
	}
	return fmt.Errorf("%w (%s): an answer would stand on part of the roles and bindings", ErrNoRBAC, strings.Join(parts, ", "))
}
