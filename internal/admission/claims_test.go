package admission

import (
	"strings"
	"testing"
)

// TestClaims: a claim bound by name to a hostPath PersistentVolume of the
// node's root is denied when it is written, as the pod mounting it is, so
// that creating the pod first and its claim after does not pass; a claim
// a StorageClass binds, and one in the cluster's namespaces, are not; a
// StatefulSet's claim templates are judged as claims.
func TestClaims(t *testing.T) {
	a := fixture(t, Config{})
	const rootClaim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: just-created, namespace: a-web}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  volumeName: node-root`
	cases := []struct {
		name, manifest, namespace string
		want                      string // "" allowed
	}{
		{"bound to the node's root by name", rootClaim, "a-web",
			"BH-NODE-001 (tenant a → its node and every tenant on it): PersistentVolumeClaim a-web/just-created would give the pods of namespace a-web the hostPath PersistentVolume node-root at /"},
		{"in the cluster's namespace", rootClaim, "kube-system", ""},
		{"bound by a StorageClass", strings.Replace(rootClaim, "  volumeName: node-root", "  storageClassName: standard", 1), "a-web", ""},
		{"a volume the snapshot does not hold", strings.Replace(rootClaim, "node-root", "elsewhere", 1), "a-web", ""},
		{"a StatefulSet's claim template", `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: a-web}
spec:
  selector: {matchLabels: {app: db}}
  serviceName: db
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: postgres
        securityContext: {capabilities: {drop: [ALL]}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
      volumeName: node-root`, "a-web",
			"BH-NODE-001 (tenant a → its node and every tenant on it): StatefulSet a-web/db (volumeClaimTemplates[data]) would give the pods of namespace a-web the hostPath PersistentVolume node-root at /"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := decode(t, c.manifest)
			obj.(interface{ SetNamespace(string) }).SetNamespace(c.namespace)
			d := a.Decide(request(Create, obj, nil))
			switch {
			case c.want == "" && !d.Allowed:
				t.Errorf("denied: %s", d.Message)
			case c.want != "" && (d.Allowed || !strings.Contains(d.Message, c.want)):
				t.Errorf("allowed %v, message %q; want a denial with %q", d.Allowed, d.Message, c.want)
			}
			if c.want != "" && !strings.Contains(d.Message, "spec.volumeName=node-root -> PersistentVolume/node-root hostPath.path=/") {
				t.Errorf("message %q does not name the field", d.Message)
			}
		})
	}
}
