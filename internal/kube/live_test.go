package kube_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveSnapshotEqualsFiles creates the demo's objects in a real API
// server, takes a live snapshot through bulkhead, and checks that what the
// demo added to the cluster is exactly the file snapshot: the same objects,
// equal after normalisation, up to the fields the API server fills in on
// create.
func TestLiveSnapshotEqualsFiles(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	baseline, err := kube.Load(ctx, cfg, "baseline", kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	baseline.Normalize()

	files, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if len(files.Problems) > 0 {
		t.Fatalf("demo has problems: %v", files.Problems)
	}
	c, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range files.Objects() {
		obj := o.Obj.DeepCopyObject().(client.Object)
		if err := c.Create(ctx, obj); err != nil {
			if apierrors.IsAlreadyExists(err) && o.Kind == "Namespace" {
				continue // default and kube-system exist in every cluster
			}
			t.Fatalf("create %s %s: %v", o.Kind, o.Obj.GetName(), err)
		}
	}
	files.Normalize()

	live, err := kube.Load(ctx, cfg, "live", kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	live.Normalize()
	if len(live.Gaps) > 0 {
		t.Errorf("an admin's live load has gaps: %v", live.Gaps)
	}

	base := index(baseline)
	want := index(files)
	got := map[string]runtime.Object{}
	for k, obj := range index(live) {
		if _, ok := base[k]; ok {
			if _, inFiles := want[k]; !inFiles {
				continue // there before the demo, not touched by it
			}
		}
		got[k] = obj
	}
	if d := cmp.Diff(keys(want), keys(got)); d != "" {
		t.Fatalf("objects the demo added (-files +live):\n%s", d)
	}
	for k, w := range want {
		g := got[k]
		fillServerDefaults(w, g)
		if d := cmp.Diff(comparable(w), comparable(g)); d != "" {
			t.Errorf("%s differs (-files +live):\n%s", k, d)
		}
	}
	if len(want) < 15 {
		t.Errorf("compared only %d objects; the demo has more", len(want))
	}
}

func index(s *snapshot.Snapshot) map[string]runtime.Object {
	m := map[string]runtime.Object{}
	for _, o := range s.Objects() {
		m[o.Kind+"/"+o.Obj.GetNamespace()+"/"+o.Obj.GetName()] = o.Obj.DeepCopyObject()
	}
	return m
}

func keys(m map[string]runtime.Object) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// comparable clears what only the server knows: identity, timestamps,
// versions, type meta (live lists omit it) and status.
func comparable(obj runtime.Object) runtime.Object {
	obj = obj.DeepCopyObject()
	m := obj.(metav1.Object)
	m.SetUID("")
	m.SetResourceVersion("")
	m.SetGeneration(0)
	m.SetCreationTimestamp(metav1.Time{})
	m.SetManagedFields(nil)
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	switch o := obj.(type) {
	case *corev1.Pod:
		o.Status = corev1.PodStatus{}
	case *corev1.Service:
		o.Status = corev1.ServiceStatus{}
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{}
	}
	return obj
}

// fillServerDefaults copies into the file object the fields the API server
// sets on create when the manifest leaves them empty. Each is listed: a field
// not listed here must be equal as loaded.
func fillServerDefaults(file, live runtime.Object) {
	switch f := file.(type) {
	case *corev1.Namespace:
		l := live.(*corev1.Namespace)
		if len(f.Spec.Finalizers) == 0 {
			f.Spec.Finalizers = l.Spec.Finalizers
		}
	case *corev1.Service:
		l := live.(*corev1.Service)
		fs, ls := &f.Spec, &l.Spec
		if fs.ClusterIP == "" {
			fs.ClusterIP, fs.ClusterIPs = ls.ClusterIP, ls.ClusterIPs
		}
		if fs.SessionAffinity == "" {
			fs.SessionAffinity = ls.SessionAffinity
		}
		if fs.IPFamilies == nil {
			fs.IPFamilies = ls.IPFamilies
		}
		if fs.IPFamilyPolicy == nil {
			fs.IPFamilyPolicy = ls.IPFamilyPolicy
		}
		if fs.InternalTrafficPolicy == nil {
			fs.InternalTrafficPolicy = ls.InternalTrafficPolicy
		}
	case *corev1.Pod:
		l := live.(*corev1.Pod)
		fs, ls := &f.Spec, &l.Spec
		if fs.RestartPolicy == "" {
			fs.RestartPolicy = ls.RestartPolicy
		}
		if fs.DNSPolicy == "" {
			fs.DNSPolicy = ls.DNSPolicy
		}
		if fs.SchedulerName == "" {
			fs.SchedulerName = ls.SchedulerName
		}
		if fs.SecurityContext == nil {
			fs.SecurityContext = ls.SecurityContext
		}
		if fs.TerminationGracePeriodSeconds == nil {
			fs.TerminationGracePeriodSeconds = ls.TerminationGracePeriodSeconds
		}
		if fs.EnableServiceLinks == nil {
			fs.EnableServiceLinks = ls.EnableServiceLinks
		}
		if fs.PreemptionPolicy == nil {
			fs.PreemptionPolicy = ls.PreemptionPolicy
		}
		if fs.Priority == nil {
			fs.Priority = ls.Priority
		}
		if fs.Tolerations == nil {
			fs.Tolerations = ls.Tolerations // DefaultTolerationSeconds admission
		}
		for i := range fs.Containers {
			if i >= len(ls.Containers) {
				break
			}
			fc, lc := &fs.Containers[i], &ls.Containers[i]
			if fc.TerminationMessagePath == "" {
				fc.TerminationMessagePath = lc.TerminationMessagePath
			}
			if fc.TerminationMessagePolicy == "" {
				fc.TerminationMessagePolicy = lc.TerminationMessagePolicy
			}
			if fc.ImagePullPolicy == "" {
				fc.ImagePullPolicy = lc.ImagePullPolicy
			}
		}
		// hostNetwork pods get their container ports' hostPort set to the
		// container port by defaulting.
		for i := range fs.Containers {
			for j := range fs.Containers[i].Ports {
				if fs.HostNetwork && fs.Containers[i].Ports[j].HostPort == 0 && i < len(ls.Containers) && j < len(ls.Containers[i].Ports) {
					fs.Containers[i].Ports[j].HostPort = ls.Containers[i].Ports[j].HostPort
				}
			}
		}
	}
}
