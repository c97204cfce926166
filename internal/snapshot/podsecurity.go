package snapshot

import "fmt"

// RefusedPods lists the pods of one namespace that its Pod Security
// enforce level refuses, judged as the API server's admission would at the
// namespace's enforce level and enforce-version.
type RefusedPods struct {
	Namespace string `json:"namespace"`
	// Level and Version are the namespace's enforce level and version
	// ("restricted", "latest" or "v1.30").
	Level   string `json:"level"`
	Version string `json:"version"`
	// Refused names the refused pods, sorted: a pod by its name, a
	// representative pod by the controller it stands for
	// ("Deployment/web").
	Refused []string `json:"refused"`
	// Existing names those of Refused that exist on the cluster (live pods,
	// kept in the snapshot); the others would never be created.
	Existing []string `json:"existing,omitempty"`
}

// String says it in one line: "3 pods of team-a would be refused by
// enforce=restricted (latest); 1 of them exists, admitted before".
func (r RefusedPods) String() string {
	pods := "pods"
	if len(r.Refused) == 1 {
		pods = "pod"
	}
	s := fmt.Sprintf("%d %s of %s would be refused by enforce=%s (%s)", len(r.Refused), pods, r.Namespace, r.Level, r.Version)
	switch n := len(r.Existing); {
	case n == len(r.Refused) && n == 1:
		s += "; it exists, admitted before the level was set"
	case n == len(r.Refused):
		s += "; they exist, admitted before the level was set"
	case n > 0:
		s += fmt.Sprintf("; %d of them exist, admitted before the level was set", n)
	}
	return s
}
