package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// accepts records the Accept header of each request path.
type accepts struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]string
}

func (a *accepts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen[r.URL.Path] = r.Header.Get("Accept")
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

// TestLoadAsksForProtobuf checks what each client asks the server for: the
// typed lists protobuf (JSON as the fallback), the AdminNetworkPolicy CRDs
// JSON through the dynamic client, and secrets the metadata client's own
// PartialObjectMetadataList; also when the configuration given to Load
// asks for JSON (client-go's typed clients only default to protobuf when
// the configuration names no content type).
func TestLoadAsksForProtobuf(t *testing.T) {
	for _, tc := range []struct{ name, contentType string }{{"default config", ""}, {"config asking for JSON", "application/json"}} {
		contentType := tc.contentType
		t.Run(tc.name, func(t *testing.T) {
			rec := &accepts{next: &fakeServer{}, seen: map[string]string{}}
			cfg := serve(t, rec)
			cfg.ContentType, cfg.AcceptContentTypes = contentType, contentType
			if _, err := Load(context.Background(), cfg, "test", Options{}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				path string
				want func(string) bool
				what string
			}{
				{"/api/v1/pods", func(a string) bool { return a == "application/vnd.kubernetes.protobuf,application/json" }, "protobuf, then JSON"},
				{"/apis/rbac.authorization.k8s.io/v1/rolebindings", func(a string) bool { return a == "application/vnd.kubernetes.protobuf,application/json" }, "protobuf, then JSON"},
				{"/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies", func(a string) bool { return a == "application/json" }, "JSON"},
				{"/api/v1/secrets", func(a string) bool { return strings.Contains(a, "as=PartialObjectMetadataList") }, "PartialObjectMetadataList"},
			} {
				got, ok := rec.seen[tc.path]
				if !ok {
					t.Errorf("no request for %s", tc.path)
					continue
				}
				if !tc.want(got) {
					t.Errorf("%s: Accept %q, want %s", tc.path, got, tc.what)
				}
			}
		})
	}
}

// fakeStep is a listing step that waits, then records a pod, a gap, a
// problem and a refusal named after it, or fails.
func fakeStep(name string, wait time.Duration, fail error) func(*loader) error {
	return func(l *loader) error {
		time.Sleep(wait)
		if fail != nil {
			return fail
		}
		l.snap.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}})
		l.snap.Add(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}})
		l.snap.Problems = append(l.snap.Problems, snapshot.Problem{Where: name, Message: "m"})
		if _, err := l.gap(name, apierrors.NewForbidden(schema.GroupResource{Resource: name}, "", nil)); err != nil {
			return err
		}
		if l.progress != nil {
			fmt.Fprintf(l.progress, "bulkhead: %s: %d\n", name, 1)
		}
		return nil
	}
}

// TestRunEqualsSequential runs steps that finish in the reverse of their
// order and checks that the merged snapshot, gaps, problems and refusals
// are those of running them one after the other.
func TestRunEqualsSequential(t *testing.T) {
	var steps []func(*loader) error
	for i := 0; i < 3*listWorkers; i++ {
		steps = append(steps, fakeStep(fmt.Sprintf("s%02d", i), time.Duration(3*listWorkers-i)*time.Millisecond, nil))
	}
	seq := &loader{snap: &snapshot.Snapshot{}, refused: map[string]error{}}
	for _, step := range steps {
		if err := step(seq); err != nil {
			t.Fatal(err)
		}
	}
	par := &loader{snap: &snapshot.Snapshot{}, refused: map[string]error{}}
	if err := par.run(steps); err != nil {
		t.Fatal(err)
	}
	names := func(s *snapshot.Snapshot) []string {
		var out []string
		for _, o := range s.Objects() {
			out = append(out, o.Kind+"/"+o.Obj.GetName())
		}
		return out
	}
	if d := cmp.Diff(names(seq.snap), names(par.snap)); d != "" {
		t.Errorf("objects (-sequential +parallel):\n%s", d)
	}
	if d := cmp.Diff(seq.snap.Gaps, par.snap.Gaps); d != "" {
		t.Errorf("gaps (-sequential +parallel):\n%s", d)
	}
	if d := cmp.Diff(seq.snap.Problems, par.snap.Problems); d != "" {
		t.Errorf("problems (-sequential +parallel):\n%s", d)
	}
	if len(par.refused) != len(steps) {
		t.Errorf("%d refusals, want %d", len(par.refused), len(steps))
	}
}

// TestRunReturnsFirstErrorInOrder: when several steps fail, the error is
// that of the first in order, even if a later one failed sooner, and no
// step starts after a failure.
func TestRunReturnsFirstErrorInOrder(t *testing.T) {
	first, later := errors.New("first"), errors.New("later")
	var started sync.Map
	track := func(i int, step func(*loader) error) func(*loader) error {
		return func(l *loader) error { started.Store(i, true); return step(l) }
	}
	steps := []func(*loader) error{
		track(0, fakeStep("a", 30*time.Millisecond, nil)),
		track(1, fakeStep("b", 20*time.Millisecond, first)),
		track(2, fakeStep("c", 0, later)),
	}
	for i := 3; i < 3*listWorkers; i++ {
		steps = append(steps, track(i, fakeStep(fmt.Sprint(i), 50*time.Millisecond, nil)))
	}
	l := &loader{snap: &snapshot.Snapshot{}, refused: map[string]error{}}
	if err := l.run(steps); !errors.Is(err, first) {
		t.Errorf("error %v, want %v", err, first)
	}
	if _, ok := started.Load(len(steps) - 1); ok {
		t.Error("the last step started after a failure")
	}
}

// TestLoadProgressLines loads with progress from several lists at once:
// every line is whole, and each resource's count is reported once.
func TestLoadProgressLines(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Load(context.Background(), serve(t, &fakeServer{}), "test", Options{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^bulkhead: [a-z0-9.-]+: \d+$`)
	counted := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("progress line %q is not whole", l)
			continue
		}
		counted[strings.Split(l, ": ")[1]]++
	}
	for _, r := range []string{"namespaces", "pods", "secrets", "roles.rbac.authorization.k8s.io", "cronjobs.batch"} {
		if counted[r] != 1 {
			t.Errorf("%s reported %d times, want once", r, counted[r])
		}
	}
}
