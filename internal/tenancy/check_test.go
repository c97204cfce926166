package tenancy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func mustFile(t *testing.T, src string) *File {
	t.Helper()
	f, err := ParseFile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestResolveErrors: tenancy mistakes that cannot mean what they say are
// errors naming what collides.
func TestResolveErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) Config
		want []string
	}{
		{"namespace claimed by two tenants", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: money, namespaces: ['pay-*']}, {name: apis, namespaces: [pay-api]}]")}
		}, []string{`namespace "pay-api" is claimed by tenants "money" (by glob "pay-*") and "apis" (by name)`}},
		{"glob and selector", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: money, namespaces: ['pay-*']}, {name: teams, selector: {matchLabels: {team: payments}}}]")}
		}, []string{`namespace "pay-api" is claimed by tenants "money"`, `"teams" (by selector team=payments)`, `namespace "pay-db"`}},
		{"tenant lists a system namespace", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: a, namespaces: [kube-system, sandbox]}]")}
		}, []string{`tenant "a" lists namespace "kube-system", which is a system namespace (tenant "cluster")`}},
		{"tenant lists a namespace the flags made system", func(t *testing.T) Config {
			return Config{ExtraSystemNamespaces: []string{"sandbox"}, File: mustFile(t, "tenants: [{name: a, namespaces: [sandbox]}]")}
		}, []string{`tenant "a" lists namespace "sandbox", which is a system namespace`}},
		{"tenant lists an absent system namespace", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: a, namespaces: [kube-node-lease]}]")}
		}, []string{`namespace "kube-node-lease", which is a system namespace`}},
		{"tenant lists a platform namespace", func(t *testing.T) Config {
			return Config{File: mustFile(t, "platform: ['sea*']\ntenants: [{name: a, namespaces: [search]}]")}
		}, []string{`tenant "a" lists namespace "search", which is a platform namespace (tenant "platform")`}},
		{"tenant label no namespace carries", func(*testing.T) Config {
			return Config{Label: "tenant"}
		}, []string{`tenant label "tenant": no namespace carries it (5 namespaces in the input)`}},
		{"system and platform", func(*testing.T) Config {
			return Config{PlatformNamespaces: []string{"kube-*"}}
		}, []string{`namespace "kube-node-lease" is declared both system and platform`, `namespace "kube-system" is declared both system and platform`}},
		{"bad platform glob", func(*testing.T) Config {
			return Config{PlatformNamespaces: []string{"["}}
		}, []string{`platform: bad namespace glob "["`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(cluster(), tc.cfg(t))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestParseFileListedTwice: a namespace name listed by two tenants is an
// error even when the input lacks that namespace.
func TestParseFileListedTwice(t *testing.T) {
	_, err := ParseFile([]byte("tenants: [{name: a, namespaces: [x, 'y*']}, {name: b, namespaces: [x, 'y*']}]"))
	if err == nil || !strings.Contains(err.Error(), `namespace "x" is listed by tenants "a" and "b"`) {
		t.Errorf("err = %v", err)
	}
	for _, in := range []string{"platform: ['[']\ntenants: []", "tenants: [{name: platform, namespaces: [a]}]"} {
		if _, err := ParseFile([]byte(in)); err == nil {
			t.Errorf("ParseFile(%q) accepted", in)
		}
	}
}

// TestWarnings: doubtful but meaningful configurations resolve, with a
// warning for each doubtful part.
func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(t *testing.T) Config
		want []string
	}{
		{"clean file", func(t *testing.T) Config {
			return Config{File: mustFile(t, "platform: [sandbox]\ntenants: [{name: money, namespaces: ['pay-*']}, {name: s, selector: {matchLabels: {team: search}}}]")}
		}, nil},
		{"entries matching nothing", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: money, namespaces: [pay-api, 'payments-*'], selector: {matchLabels: {team: money}}}]")}
		}, []string{
			`tenants file: tenant "money": namespace "payments-*" matches no namespace`,
			`tenants file: tenant "money": selector team=money matches no namespace`,
		}},
		{"glob reaching a system namespace", func(t *testing.T) Config {
			return Config{File: mustFile(t, "tenants: [{name: k, namespaces: ['kube-*', sandbox]}]")}
		}, []string{`tenant "k" (by glob "kube-*") matches namespace "kube-system", which stays in tenant "cluster"`}},
		{"selector reaching a platform namespace", func(t *testing.T) Config {
			return Config{PlatformNamespaces: []string{"search"}, File: mustFile(t, "tenants: [{name: s, selector: {matchLabels: {team: search}}}]")}
		}, []string{
			`tenant "s" (by selector team=search) matches namespace "search", which stays in tenant "platform"`,
		}},
		{"platform matching nothing", func(t *testing.T) Config {
			return Config{PlatformNamespaces: []string{"monitoring", "sandbox"}, File: mustFile(t, "platform: [monitoring]\ntenants: []")}
		}, []string{`platform namespace "monitoring" matches no namespace`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ten, err := Resolve(cluster(), tc.cfg(t))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ten.Warnings()); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
		})
	}
}

// TestPlatform: platform namespaces form their own tenant, listed after the
// cluster tenant, and engines can ask about any namespace.
func TestPlatform(t *testing.T) {
	snap := cluster()
	snap.Namespaces = append(snap.Namespaces, ns("monitoring", map[string]string{"team": "payments"}), ns("platform", nil))
	ten, err := Resolve(snap, Config{Label: "team", PlatformNamespaces: []string{"monitoring", "argo*"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Tenant{
		{Name: Cluster, Namespaces: []string{"kube-system"}, System: true},
		{Name: Platform, Namespaces: []string{"monitoring"}, Platform: true},
		{Name: "ns:platform", Namespaces: []string{"platform"}},
		{Name: "orphan", Namespaces: []string{"orphan"}},
		{Name: "payments", Namespaces: []string{"pay-api", "pay-db"}},
		{Name: "sandbox", Namespaces: []string{"sandbox"}},
		{Name: "search", Namespaces: []string{"search"}},
	}
	if d := cmp.Diff(want, ten.Tenants()); d != "" {
		t.Errorf("tenants (-want +got):\n%s", d)
	}
	for ns, want := range map[string]bool{"monitoring": true, "argocd": true, "pay-api": false, "kube-system": false, "platform": false} {
		if got := ten.IsPlatform(ns); got != want {
			t.Errorf("IsPlatform(%s) = %v", ns, got)
		}
	}
	if ten.IsSystem("monitoring") {
		t.Error("a platform namespace is not a system namespace")
	}
	if got := ten.Of("platform-x"); got != "platform-x" {
		t.Errorf("Of(platform-x) = %q", got)
	}
	odd := &snapshot.Snapshot{Namespaces: []corev1.Namespace{ns("odd", map[string]string{"team": "platform"})}}
	ten, err = Resolve(odd, Config{Label: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ten.Of("odd"); got != "label:platform" {
		t.Errorf("a label value cannot name the platform tenant: Of(odd) = %q", got)
	}
	if got := ten.Of("platform"); got != "ns:platform" {
		t.Errorf("Of(platform) of a snapshot without it = %q", got)
	}
}

// TestResolveLive: on a running cluster (Config.Live), the states a
// snapshot's tenancy is refused in are passing ones: a tenant label no
// namespace carries yet groups nothing yet, and a namespace two tenants
// claim is contested, with a warning, while the others resolve.
func TestResolveLive(t *testing.T) {
	ten, err := Resolve(cluster(), Config{Label: "tenant", Live: true})
	if err != nil {
		t.Fatalf("unused tenant label: %v", err)
	}
	if got := ten.Of("pay-api"); got != "pay-api" {
		t.Errorf("pay-api is tenant %q, want a tenant of its own", got)
	}
	file := mustFile(t, "tenants: [{name: a, selector: {matchLabels: {team: payments}}}, {name: b, namespaces: [pay-db]}]")
	ten, err = Resolve(cluster(), Config{File: file, Live: true})
	if err != nil {
		t.Fatalf("contested namespace: %v", err)
	}
	if claims, ok := ten.Contested("pay-db"); !ok || !strings.Contains(claims, `"a"`) || !strings.Contains(claims, `"b"`) {
		t.Errorf("pay-db contested %v by %q, want by a and b", ok, claims)
	}
	if _, ok := ten.Contested("pay-api"); ok || ten.Of("pay-api") != "a" {
		t.Errorf("pay-api: tenant %q, contested %v; want a, uncontested", ten.Of("pay-api"), ok)
	}
	if w := strings.Join(ten.Warnings(), "\n"); !strings.Contains(w, `namespace "pay-db" is claimed by tenants`) {
		t.Errorf("warnings %q, want the contest", w)
	}
}
