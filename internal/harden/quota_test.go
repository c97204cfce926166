package harden

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	svcfind "github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func svc(ns, name string, typ corev1.ServiceType, mutate ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Type:      typ,
			Selector:  map[string]string{"app": name},
			ClusterIP: "10.96.0.10",
			Ports:     []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
	if typ == corev1.ServiceTypeNodePort || typ == corev1.ServiceTypeLoadBalancer {
		s.Spec.Ports[0].NodePort = 30080
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func livePod(ns, name, ip string) *corev1.Pod {
	p := restrictedPod(ns, name)
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	return p
}

// applyProposals adopts proposals in a snapshot as the proof would:
// objects replaced by identity, deleted ones removed.
func applyProposals(t *testing.T, snap *snapshot.Snapshot, ps []Proposal) {
	t.Helper()
	for _, p := range ps {
		for _, o := range p.Apply {
			switch o := o.(type) {
			case *corev1.Service:
				replaced := false
				for i := range snap.Services {
					if s := &snap.Services[i]; s.Namespace == o.Namespace && s.Name == o.Name {
						snap.Services[i] = *o.DeepCopy()
						replaced = true
					}
				}
				if !replaced {
					t.Fatalf("proposal %q applies unknown Service %s/%s", p.Title, o.Namespace, o.Name)
				}
			case *corev1.ResourceQuota:
			default:
				t.Fatalf("proposal %q applies %T", p.Title, o)
			}
		}
		for _, o := range p.Delete {
			switch o := o.(type) {
			case *corev1.Endpoints:
				snap.Endpoints = slicesDelete(snap.Endpoints, func(e corev1.Endpoints) bool { return e.Namespace == o.Namespace && e.Name == o.Name })
			case *discoveryv1.EndpointSlice:
				snap.EndpointSlices = slicesDelete(snap.EndpointSlices, func(e discoveryv1.EndpointSlice) bool { return e.Namespace == o.Namespace && e.Name == o.Name })
			default:
				t.Fatalf("proposal %q deletes %T", p.Title, o)
			}
		}
	}
}

func slicesDelete[T any](xs []T, del func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if !del(x) {
			out = append(out, x)
		}
	}
	return out
}

func serviceFindings(t *testing.T, snap *snapshot.Snapshot) []string {
	t.Helper()
	var out []string
	for _, f := range svcfind.Analyze(snap, resolveTenancy(t, snap)) {
		out = append(out, f.ID+" "+f.Objects[0].String())
	}
	return out
}

// The demo: every tenant namespace gets the quota; its one Service is a
// ClusterIP one, so nothing is proposed.
func TestQuotaSeed(t *testing.T) {
	snap, ten := seedInput(t)
	objects, proposals := QuotaPlan(snap, ten, Options{})
	goldenLayer(t, "quota", "demo.txt", renderPlan(t, objects, proposals, nil, nil))
	var got []string
	for _, o := range objects {
		checkObjectMeta(t, o.Obj)
		got = append(got, o.Namespace)
	}
	if d := cmp.Diff([]string{"default", "network", "test", "test-namespace"}, got); d != "" {
		t.Errorf("quota namespaces (-want +got):\n%s", d)
	}
	if len(proposals) > 0 {
		t.Errorf("proposals: %s", renderPlan(t, nil, proposals, nil, nil))
	}
}

func TestQuotaCases(t *testing.T) {
	no := false
	for _, tc := range []struct {
		name      string
		objs      []runtime.Object
		opts      Options
		objects   []string // "Kind namespace/name"
		proposals []string // titles
		closed    []string // service findings gone once the proposals are adopted
	}{
		{
			name:    "a namespace without node ports gets the quota",
			objs:    []runtime.Object{namespace("a", nil), svc("a", "web", corev1.ServiceTypeClusterIP)},
			objects: []string{"ResourceQuota a/bulkhead-services"},
		},
		{
			name:    "with Options.Quota, a LimitRange too",
			objs:    []runtime.Object{namespace("a", nil)},
			opts:    Options{Quota: true},
			objects: []string{"ResourceQuota a/bulkhead-services", "LimitRange a/bulkhead-defaults"},
		},
		{
			name:    "a NodePort Service: the quota waits, the Service is proposed as ClusterIP",
			objs:    []runtime.Object{namespace("a", nil), namespace("b", nil), svc("a", "web", corev1.ServiceTypeNodePort)},
			objects: []string{"ResourceQuota b/bulkhead-services"},
			proposals: []string{
				"ResourceQuota a/bulkhead-services, once its 1 Service(s) over it are changed",
				"Service a/web: make it type ClusterIP",
			},
			closed: []string{"BH-NET-011 Service/a/web"},
		},
		{
			name:      "a LoadBalancer Service, load balancers not allowed",
			objs:      []runtime.Object{namespace("a", nil), svc("a", "lb", corev1.ServiceTypeLoadBalancer)},
			proposals: []string{"ResourceQuota a/bulkhead-services, once its 1 Service(s) over it are changed", "Service a/lb: make it type ClusterIP"},
			closed:    []string{"BH-NET-011 Service/a/lb"},
		},
		{
			name:      "a LoadBalancer Service, load balancers allowed: it stops allocating node ports",
			objs:      []runtime.Object{namespace("a", nil), svc("a", "lb", corev1.ServiceTypeLoadBalancer)},
			opts:      Options{Quota: true},
			objects:   []string{"LimitRange a/bulkhead-defaults"},
			proposals: []string{"ResourceQuota a/bulkhead-services, once its 1 Service(s) over it are changed", "Service a/lb: stop allocating node ports"},
		},
		{
			name: "a LoadBalancer Service without node ports fits the quota when load balancers are allowed",
			objs: []runtime.Object{namespace("a", nil), svc("a", "lb", corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
				s.Spec.AllocateLoadBalancerNodePorts = &no
				s.Spec.Ports[0].NodePort = 0
			})},
			opts:    Options{Quota: true},
			objects: []string{"ResourceQuota a/bulkhead-services", "LimitRange a/bulkhead-defaults"},
		},
		{
			name: "externalIPs are removed",
			objs: []runtime.Object{namespace("a", nil), svc("a", "web", corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
				s.Spec.ExternalIPs = []string{"10.96.0.1"}
			})},
			objects:   []string{"ResourceQuota a/bulkhead-services"},
			proposals: []string{"Service a/web: remove spec.externalIPs"},
			closed:    []string{"BH-NET-009 Service/a/web"},
		},
		{
			name: "a NodePort Service with externalIPs: one proposal does both",
			objs: []runtime.Object{namespace("a", nil), svc("a", "web", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
				s.Spec.ExternalIPs = []string{"192.0.2.1"}
			})},
			proposals: []string{"ResourceQuota a/bulkhead-services, once its 1 Service(s) over it are changed", "Service a/web: remove spec.externalIPs, make it type ClusterIP"},
			closed:    []string{"BH-NET-009 Service/a/web", "BH-NET-011 Service/a/web"},
		},
		{
			name: "platform namespaces keep their load balancers but not externalIPs",
			objs: []runtime.Object{namespace("monitoring", nil), svc("monitoring", "ingress", corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
				s.Spec.ExternalIPs = []string{"192.0.2.1"}
			})},
			proposals: []string{"Service monitoring/ingress: remove spec.externalIPs"},
			closed:    []string{"BH-NET-009 Service/monitoring/ingress"},
		},
		{
			name: "hand-written Endpoints into another tenant are deleted",
			objs: []runtime.Object{namespace("a", nil), namespace("b", nil), livePod("b", "db", "10.244.1.5"),
				&corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "steal"}, Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.244.1.5"}}}}},
				&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "steal-abcde", Labels: map[string]string{
					"endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io", discoveryv1.LabelServiceName: "steal"}},
					AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.244.1.5"}}}},
				&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "own"},
					AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.244.1.5"}}}},
			},
			objects:   []string{"ResourceQuota a/bulkhead-services", "ResourceQuota b/bulkhead-services"},
			proposals: []string{"Delete EndpointSlice a/own: it points at another tenant's pods", "Delete Endpoints a/steal: it points at another tenant's pods"},
			closed:    []string{"BH-NET-012 EndpointSlice/a/own", "BH-NET-012 EndpointSlice/a/steal-abcde", "BH-NET-012 Endpoints/a/steal"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := buildSnapshot(t, tc.objs...)
			ten := resolveTenancy(t, snap)
			objects, proposals := QuotaPlan(snap, ten, tc.opts)
			var gotObjects, gotProposals []string
			for _, o := range objects {
				checkObjectMeta(t, o.Obj)
				m, _ := metaOf(o.Obj)
				gotObjects = append(gotObjects, o.Obj.GetObjectKind().GroupVersionKind().Kind+" "+m.Namespace+"/"+m.Name)
				if o.Namespace != m.Namespace {
					t.Errorf("%s/%s grouped under %q", m.Namespace, m.Name, o.Namespace)
				}
				switch x := o.Obj.(type) {
				case *corev1.ResourceQuota:
					quantitiesParse(t, "quota", x.Spec.Hard)
				case *corev1.LimitRange:
					for _, l := range x.Spec.Limits {
						quantitiesParse(t, "limit range", l.DefaultRequest)
					}
				}
			}
			for _, p := range proposals {
				gotProposals = append(gotProposals, p.Title)
				for _, o := range append(append([]runtime.Object(nil), p.Apply...), p.Delete...) {
					checkObjectMeta(t, o)
				}
				for _, o := range p.Apply {
					if s, ok := o.(*corev1.Service); ok {
						checkServiceForType(t, s)
						if strings.Contains(p.Title, "stop allocating") {
							if n, _ := quotaUse(s); n > 0 {
								t.Errorf("proposal %q leaves %d node ports", p.Title, n)
							}
						}
						if p.Diff == "" {
							t.Errorf("proposal %q changes Service %s without a diff", p.Title, s.Name)
						}
					}
				}
			}
			if d := cmp.Diff(tc.objects, gotObjects); d != "" {
				t.Errorf("objects (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.proposals, gotProposals); d != "" {
				t.Errorf("proposals (-want +got):\n%s", d)
			}
			before := serviceFindings(t, snap)
			applyProposals(t, snap, proposals)
			after := map[string]bool{}
			for _, f := range serviceFindings(t, snap) {
				after[f] = true
			}
			var closed []string
			for _, f := range before {
				if !after[f] {
					closed = append(closed, f)
				}
			}
			if d := cmp.Diff(tc.closed, closed); d != "" {
				t.Errorf("findings closed by the proposals (-want +got):\n%s", d)
			}
			var claimed []string
			for _, p := range proposals {
				claimed = append(claimed, p.Closes...)
			}
			for _, c := range closed {
				if !strings.Contains(strings.Join(claimed, " "), strings.Fields(c)[0]) {
					t.Errorf("%s closed but claimed by no proposal", c)
				}
			}
			// Idempotent: with the proposals adopted, the plan proposes
			// nothing more, and its objects are the same.
			again, more := QuotaPlan(snap, resolveTenancy(t, snap), tc.opts)
			for _, p := range more {
				t.Errorf("second run proposes %q", p.Title)
			}
			if len(again) < len(objects) {
				t.Errorf("second run writes %d objects, the first %d", len(again), len(objects))
			}
		})
	}
}

// checkServiceForType fails on fields the API server refuses for the
// Service's type.
func checkServiceForType(t *testing.T, s *corev1.Service) {
	t.Helper()
	switch s.Spec.Type {
	case corev1.ServiceTypeClusterIP, "":
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				t.Errorf("ClusterIP Service %s keeps nodePort %d", s.Name, p.NodePort)
			}
		}
		if s.Spec.ExternalTrafficPolicy != "" || s.Spec.AllocateLoadBalancerNodePorts != nil || s.Spec.LoadBalancerClass != nil || s.Spec.HealthCheckNodePort != 0 {
			t.Errorf("ClusterIP Service %s keeps fields of its old type: %+v", s.Name, s.Spec)
		}
	case corev1.ServiceTypeLoadBalancer:
		if a := s.Spec.AllocateLoadBalancerNodePorts; a != nil && !*a {
			for _, p := range s.Spec.Ports {
				if p.NodePort != 0 {
					t.Errorf("LoadBalancer Service %s allocates no node ports but keeps nodePort %d", s.Name, p.NodePort)
				}
			}
		}
	}
	if s.Status.LoadBalancer.Ingress != nil {
		t.Errorf("Service %s carries a status", s.Name)
	}
}

func TestQuotaDeterministic(t *testing.T) {
	objs := []runtime.Object{namespace("a", nil), namespace("b", nil), namespace("c", nil),
		svc("a", "web", corev1.ServiceTypeNodePort), svc("b", "x", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"192.0.2.9"} })}
	snap := buildSnapshot(t, objs...)
	ten := resolveTenancy(t, snap)
	o, p := QuotaPlan(snap, ten, Options{Quota: true})
	first := renderPlan(t, o, p, nil, nil)
	goldenLayer(t, "quota", "mixed.txt", first)
	for i := 0; i < 5; i++ {
		o, p := QuotaPlan(snap, ten, Options{Quota: true})
		if got := renderPlan(t, o, p, nil, nil); got != first {
			t.Fatalf("run %d differs:\n%s", i, cmp.Diff(first, got))
		}
	}
}
