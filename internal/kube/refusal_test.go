package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// fakeServer answers as an API server whose lists are all empty, except
// that it serves one namespace, answers each path in forbidden with 403,
// each in status with that status, and serves extra groups with the given
// resources and object counts.
type fakeServer struct {
	forbidden map[string]bool
	status    map[string]int
	// groups maps "group/version" to resource → number of objects.
	groups map[string]map[string]int
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	if f.forbidden[p] {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"%s is forbidden: User \"bob\" cannot list resource \"%s\" in API group \"\" at the cluster scope"}`, p[strings.LastIndex(p, "/")+1:], p[strings.LastIndex(p, "/")+1:])
		return
	}
	if code, ok := f.status[p]; ok {
		http.Error(w, http.StatusText(code), code)
		return
	}
	switch p {
	case "/api":
		fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"]}`)
		return
	case "/apis":
		var gs []string
		for gv := range f.groups {
			g, v, _ := strings.Cut(gv, "/")
			gs = append(gs, fmt.Sprintf(`{"name":%q,"versions":[{"groupVersion":%q,"version":%q}],"preferredVersion":{"groupVersion":%q,"version":%q}}`, g, gv, v, gv, v))
		}
		fmt.Fprintf(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[%s]}`, strings.Join(gs, ","))
		return
	case "/api/v1/namespaces":
		fmt.Fprint(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"team-a"}}]}`)
		return
	}
	for gv, resources := range f.groups {
		prefix := "/apis/" + gv
		if p == prefix {
			var rs []string
			for r := range resources {
				rs = append(rs, fmt.Sprintf(`{"name":%q,"namespaced":true,"kind":"X","verbs":["list"]}`, r))
			}
			fmt.Fprintf(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":%q,"resources":[%s]}`, gv, strings.Join(rs, ","))
			return
		}
		if n, ok := resources[strings.TrimPrefix(p, prefix+"/")]; ok && strings.HasPrefix(p, prefix+"/") {
			var items []string
			for i := 0; i < n; i++ {
				items = append(items, fmt.Sprintf(`{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"p%d","namespace":"team-a"}}`, i))
			}
			fmt.Fprintf(w, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[%s]}`, strings.Join(items, ","))
			return
		}
	}
	if strings.HasPrefix(p, "/apis/") && !knownGroup(p) {
		http.NotFound(w, r)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "as=PartialObjectMetadataList") {
		fmt.Fprint(w, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[]}`)
		return
	}
	if strings.Count(p, "/") > 4 && strings.HasPrefix(p, "/api/v1/namespaces/") {
		http.NotFound(w, r) // a get, such as the CoreDNS ConfigMap
		return
	}
	fmt.Fprint(w, `{"metadata":{},"items":[]}`)
}

// knownGroup reports whether a path is in a built-in API group.
func knownGroup(p string) bool {
	for _, g := range []string{"apps", "batch", "discovery.k8s.io", "rbac.authorization.k8s.io", "networking.k8s.io"} {
		if strings.HasPrefix(p, "/apis/"+g+"/") {
			return true
		}
	}
	return false
}

func serve(t *testing.T, h http.Handler) *rest.Config {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL, BearerToken: "token"}
}

func TestLoadFailsOnAServerThatIsNotKubernetes(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow-incomplete=%v", allow), func(t *testing.T) {
			cfg := serve(t, http.NotFoundHandler())
			_, err := Load(context.Background(), cfg, "test", Options{AllowIncomplete: allow})
			want := "the server at " + cfg.Host + " answered 404 Not Found for /api/v1/namespaces: is this a Kubernetes API server?"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want it to contain %q", err, want)
			}
		})
	}
}

func TestLoadFailsOnRefusedCredentials(t *testing.T) {
	unauthorized := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
	})
	for _, tc := range []struct {
		name  string
		token string
		want  string
	}{
		{"expired token", "expired", "credentials refused (401 Unauthorized) by the server at URL: the kubeconfig's token or client certificate is expired, revoked or not trusted by this server"},
		{"no credentials", "", "credentials refused (401 Unauthorized) by the server at URL: the kubeconfig gives no credentials for it"},
	} {
		for _, allow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/allow-incomplete=%v", tc.name, allow), func(t *testing.T) {
				cfg := serve(t, unauthorized)
				cfg.BearerToken = tc.token
				_, err := Load(context.Background(), cfg, "test", Options{AllowIncomplete: allow})
				want := strings.Replace(tc.want, "URL", cfg.Host, 1)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want it to contain %q", err, want)
				}
			})
		}
	}
}

func TestLoadRefusedEssentials(t *testing.T) {
	fake := &fakeServer{forbidden: map[string]bool{
		"/api/v1/pods": true,
		"/apis/rbac.authorization.k8s.io/v1/rolebindings": true,
		"/api/v1/secrets": true, // optional: a gap, never an error
	}}
	cfg := serve(t, fake)

	_, err := Load(context.Background(), cfg, "test", Options{})
	var inc *IncompleteError
	if !errors.As(err, &inc) {
		t.Fatalf("error %v, want an *IncompleteError", err)
	}
	var got []string
	for _, r := range inc.Refusals {
		got = append(got, r.Resource)
	}
	if d := cmp.Diff([]string{"pods", "rolebindings.rbac.authorization.k8s.io"}, got); d != "" {
		t.Errorf("refusals (-want +got):\n%s", d)
	}
	msg := err.Error()
	for _, want := range []string{
		"the server at " + cfg.Host + " refused what the analysis needs:\n",
		"\n  forbidden: cannot list pods cluster-wide (User \"bob\" cannot list resource \"pods\" in API group \"\" at the cluster scope)\n",
		"\n  forbidden: cannot list rolebindings cluster-wide (",
		"\ngrant bulkhead's role from deploy/rbac.yaml or pass --allow-incomplete",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}

	snap, err := Load(context.Background(), cfg, "test", Options{AllowIncomplete: true})
	if err != nil {
		t.Fatalf("with incomplete input allowed: %v", err)
	}
	want := []snapshot.Gap{
		{Resource: "pods", Reason: "forbidden"},
		{Resource: "secrets", Reason: "forbidden"},
		{Resource: "rolebindings.rbac.authorization.k8s.io", Reason: "forbidden"},
	}
	if d := cmp.Diff(want, snap.Gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	if len(snap.Namespaces) != 1 {
		t.Errorf("read %d namespaces, want 1", len(snap.Namespaces))
	}
	if err := RequireRBAC(snap); err == nil || !strings.Contains(err.Error(), "rolebindings.rbac.authorization.k8s.io forbidden") {
		t.Errorf("RequireRBAC: %v", err)
	}
}

func TestLoadSingleRefusalMessage(t *testing.T) {
	cfg := serve(t, &fakeServer{forbidden: map[string]bool{"/api/v1/pods": true}})
	_, err := Load(context.Background(), cfg, "test", Options{})
	want := "the server at " + cfg.Host + " refused what the analysis needs: forbidden: cannot list pods cluster-wide (User \"bob\" cannot list resource \"pods\" in API group \"\" at the cluster scope): grant bulkhead's role from deploy/rbac.yaml or pass --allow-incomplete"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error\n%v\nwant it to start with\n%s", err, want)
	}

	cfg = serve(t, &fakeServer{status: map[string]int{"/apis/networking.k8s.io/v1/networkpolicies": http.StatusNotFound}})
	_, err = Load(context.Background(), cfg, "test", Options{})
	want = "refused what the analysis needs: not served: the server answered 404 Not Found for /apis/networking.k8s.io/v1/networkpolicies: pass --allow-incomplete"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error\n%v\nwant it to contain\n%s", err, want)
	}
}

func TestLoadCountsConnectivityKinds(t *testing.T) {
	fake := &fakeServer{
		groups: map[string]map[string]int{
			"cilium.io/v2":             {"ciliumnetworkpolicies": 3, "ciliumclusterwidenetworkpolicies": 0, "ciliumendpoints": 9},
			"k8s.cni.cncf.io/v1":       {"network-attachment-definitions": 1},
			"projectcalico.org/v3":     {"networkpolicies": 2},
			"example.com/v1":           {"networkpolicies": 4},
			"crd.projectcalico.org/v1": {},
		},
		status: map[string]int{"/apis/projectcalico.org/v3": http.StatusServiceUnavailable},
	}
	snap, err := Load(context.Background(), serve(t, fake), "test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range snap.Gaps {
		got = append(got, g.Resource+": "+g.Reason)
	}
	want := []string{
		"ciliumnetworkpolicies.cilium.io: present (3 CiliumNetworkPolicy objects), not modelled: Cilium policy, enforced by the CNI together with NetworkPolicy",
		// an aggregated API server that is down may hold policies
		"networkpolicies.projectcalico.org: unknown: discovery of projectcalico.org/v3 failed: the server is currently unable to handle the request",
		"globalnetworkpolicies.projectcalico.org: unknown: discovery of projectcalico.org/v3 failed: the server is currently unable to handle the request",
		"network-attachment-definitions.k8s.cni.cncf.io: present (1 NetworkAttachmentDefinition object), not modelled: Multus secondary network: pods attached to it talk outside NetworkPolicy",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
}
