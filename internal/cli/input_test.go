package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// A restricted namespace with a Deployment and a privileged Pod it refuses,
// and a Deployment it admits.
const refusedCluster = `apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.30}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: team-a, labels: {app: priv}}
spec:
  containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
  volumes: [{name: root, hostPath: {path: /}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ok, namespace: team-a}
spec:
  selector: {matchLabels: {app: ok}}
  template:
    metadata: {labels: {app: ok}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: c
        image: nginx
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: team-b}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: c, image: curl}]
`

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

// TestPodSecurityRefusedEverywhere: pods the namespace's enforce level
// refuses are listed in the JSON report exactly, summarised on stderr by
// every command, and seen by no engine: no node escape from the privileged
// pod, and reach answers that the refused Deployment's pods do not exist.
func TestPodSecurityRefusedEverywhere(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(refusedCluster), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "audit", "-f", file, "-o", "json", "--fail-on", "none")
	if code != cli.ExitOK {
		t.Fatalf("audit: exit %d\n%s", code, stderr)
	}
	const line = "2 pods of team-a would be refused by enforce=restricted (v1.30)"
	if !strings.Contains(stderr, line) {
		t.Errorf("audit stderr lacks %q:\n%s", line, stderr)
	}
	var rep struct {
		PodSecurity []struct {
			Namespace, Level, Version string
			Refused                   []string
		} `json:"podSecurity"`
		Findings []struct{ ID string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		Namespace, Level, Version string
		Refused                   []string
	}{{"team-a", "restricted", "v1.30", []string{"Deployment/web", "priv"}}}
	if d := cmp.Diff(want, rep.PodSecurity); d != "" {
		t.Errorf("podSecurity (-want +got):\n%s", d)
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.ID, "BH-NODE-001") {
			t.Errorf("a refused pod escapes to its node: %+v", f)
		}
	}
	for _, args := range [][]string{
		{"reach", "-f", file, "team-b/deployment-client", "team-a/deployment-ok", "--port", "80"},
		{"who-can", "-f", file, "get", "pods", "-n", "team-a"},
		{"paths", "-f", file},
	} {
		_, stderr, _ := run(t, args...)
		if !strings.Contains(stderr, line) {
			t.Errorf("%s: stderr lacks %q:\n%s", args[0], line, stderr)
		}
	}
	_, stderr, code = run(t, "reach", "-f", file, "team-b/deployment-client", "team-a/deployment-web", "--port", "80")
	if code != cli.ExitFailure || !strings.Contains(stderr, "web") {
		t.Errorf("reach to a refused Deployment: exit %d, stderr %q; want an error naming it", code, stderr)
	}
}

// TestMissingNamespaceObjects: objects in a namespace the input has no
// Namespace object for are analysed, with a warning that its labels (and
// so its Pod Security level) are unknown; the default namespaces every
// cluster has are not named.
func TestMissingNamespaceObjects(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	doc := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: %s}\n---\n"
	if err := os.WriteFile(file, []byte(fmt.Sprintf(doc, "team")+fmt.Sprintf(doc, "default")+fmt.Sprintf(doc, "kube-system")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, "audit", "-f", file, "--fail-on", "none")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "namespace team: has no Namespace object in the input: its labels are unknown") {
		t.Errorf("no warning for namespace team:\n%s", stderr)
	}
	if strings.Contains(stderr, "kube-system") || strings.Contains(stderr, "namespace default") {
		t.Errorf("the default namespaces are named:\n%s", stderr)
	}
}
