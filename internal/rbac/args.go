package rbac

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Target is what a can-i or who-can command line asks about.
type Target struct {
	Verb        string
	Path        string // a non-resource URL, or ""
	APIGroup    string
	Resource    string
	Subresource string
	Name        string
	// Known is false when the resource type is not in the built-in table and
	// was taken literally.
	Known bool
	// Namespaced is false for built-in cluster-scoped resources.
	Namespaced bool
}

// Request returns the request of the target for a user in a namespace.
func (t Target) Request(user string, groups []string, namespace string) Request {
	if t.Path != "" {
		return Request{User: user, Groups: groups, Verb: t.Verb, Path: t.Path}
	}
	return Request{User: user, Groups: groups, Verb: t.Verb, APIGroup: t.APIGroup, Resource: t.Resource,
		Subresource: t.Subresource, Name: t.Name, Namespace: namespace}
}

// Verbs kubectl knows; others are warned about, not refused.
var (
	resourceVerbs    = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"}
	nonResourceVerbs = []string{"get", "put", "post", "head", "options", "delete", "patch", "*"}
	// nonStandardResources are served but not discoverable (impersonation).
	nonStandardResources = []string{"users", "groups"}
)

// ParseTarget reads kubectl auth can-i's arguments: VERB
// TYPE[.VERSION][.GROUP][/NAME], VERB TYPE NAME, or VERB /NONRESOURCEURL,
// with the subresource given apart (kubectl reads pods/exec as the pod named
// exec). Custom resources are the input's CustomResourceDefinitions. It
// returns warnings kubectl would print, without the "Warning: " prefix.
func ParseTarget(args []string, subresource string, custom ...snapshot.CustomResource) (Target, []string, error) {
	if len(args) != 2 && len(args) != 3 {
		return Target{}, nil, errors.New("you must specify two arguments: verb resource or verb resource/resourceName (or three: verb resource resourceName)")
	}
	t := Target{Verb: args[0], Subresource: subresource}
	var warnings []string
	if strings.HasPrefix(args[1], "/") {
		if subresource != "" {
			return Target{}, nil, errors.New("--subresource can not be used with NonResourceURL")
		}
		if len(args) == 3 {
			return Target{}, nil, errors.New("NonResourceURL and ResourceName can not specified together")
		}
		t.Path = args[1]
		if !contains(nonResourceVerbs, t.Verb) {
			warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb", t.Verb))
		}
		return t, warnings, nil
	}
	typ, name, hasName := strings.Cut(args[1], "/")
	if len(args) == 3 {
		if hasName {
			return Target{}, nil, fmt.Errorf("there is no need to specify a resource name as a separate argument when passing arguments in resource/name form")
		}
		name = args[2]
	}
	t.Name = name
	if r, ok := LookupResource(typ, custom...); ok {
		t.APIGroup, t.Resource, t.Known, t.Namespaced = r.Group, r.Resource, true, r.Namespaced
	} else {
		t.Resource, t.APIGroup = SplitResourceArg(typ)
		t.Namespaced = true
		if !contains(nonStandardResources, t.Resource) || t.APIGroup != "" {
			if t.APIGroup == "" {
				warnings = append(warnings, fmt.Sprintf("bulkhead's offline table has no resource type '%s'; taking it literally as a plural resource", t.Resource))
			} else {
				warnings = append(warnings, fmt.Sprintf("bulkhead's offline table has no resource type '%s' in group '%s'; taking it literally as a plural resource", t.Resource, t.APIGroup))
			}
		}
	}
	if !contains(resourceVerbs, t.Verb) {
		warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb", t.Verb))
	}
	return t, warnings, nil
}
