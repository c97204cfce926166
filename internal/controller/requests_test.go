package controller

import (
	"net/http"
	"strings"
	"sync"
)

// request is one API request as RBAC judges it.
type request struct {
	verb, group, resource string
}

// requests records every request a client makes, through the transport
// of its rest.Config, and the answers it got.
type requests struct {
	mu        sync.Mutex
	seen      map[request]int
	forbidden []string
	writes    []string
}

func newRequests() *requests { return &requests{seen: map[request]int{}} }

func (r *requests) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		q, ok := parseRequest(req)
		if !ok {
			return resp, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.seen[q]++
		if resp != nil && resp.StatusCode == http.StatusForbidden {
			r.forbidden = append(r.forbidden, req.Method+" "+req.URL.String())
		}
		if q.verb != "get" && q.verb != "list" && q.verb != "watch" && q.resource != "events" {
			r.writes = append(r.writes, req.Method+" "+req.URL.Path)
		}
		return resp, err
	})
}

// writesSince returns the writes (events aside) after the first n.
func (r *requests) writesSince(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes[n:]...)
}

func (r *requests) writeCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

// count returns how many requests were made, and how many of them by
// verb and resource ("create events", "patch networkpolicies", ...).
func (r *requests) count() (int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	total, by := 0, map[string]int{}
	for q, n := range r.seen {
		total += n
		by[q.verb+" "+q.resource] += n
	}
	return total, by
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// parseRequest reads a resource request's verb, group and resource from
// its method and path, as the API server's request info does; discovery
// and other non-resource requests are not.
func parseRequest(req *http.Request) (request, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return request{}, false
	}
	named := false
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:] // a namespaced resource
	} else if parts[0] == "namespaces" && len(parts) == 2 {
		parts = []string{"namespaces", parts[1]}
	}
	resource := parts[0]
	named = len(parts) >= 2
	var verb string
	switch req.Method {
	case http.MethodGet:
		switch {
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
		if !named {
			verb = "deletecollection"
		}
	default:
		return request{}, false
	}
	return request{verb: verb, group: group, resource: resource}, true
}
