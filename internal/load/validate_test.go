package load

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestRefused is the table of input the API server refuses: each document
// is reported with its file, line and the server's validation message, and
// left out of the snapshot, while the valid document after it is loaded.
func TestRefused(t *testing.T) {
	const valid = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: a}\n"
	for _, tc := range []struct {
		name, in string
		want     string // the Problem, from the file name on
	}{
		{"invalid namespace name", "apiVersion: v1\nkind: Namespace\nmetadata: {name: Team_A}\n",
			`in:1 (document 1): Namespace Team_A refused by the API server: metadata.name: Invalid value: "Team_A": a lowercase RFC 1123 label must consist of`},
		{"invalid pod name", "apiVersion: v1\nkind: Pod\nmetadata: {name: web!, namespace: a}\nspec: {containers: [{name: c, image: i}]}\n",
			`metadata.name: Invalid value: "web!": a lowercase RFC 1123 subdomain must consist of`},
		{"service name not a DNS-1035 label", "apiVersion: v1\nkind: Service\nmetadata: {name: 1web, namespace: a}\nspec: {ports: [{port: 80}]}\n",
			`metadata.name: Invalid value: "1web": a DNS-1035 label must consist of`},
		{"invalid namespace of an object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: Bad.NS}\n",
			`metadata.namespace: Invalid value: "Bad.NS"`},
		{"invalid label", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a, labels: {\"a b\": x}}\n",
			`metadata.labels: Invalid value: "a b"`},
		{"rbac name with colon is fine, with slash is not", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a/b}\n",
			`metadata.name: Invalid value: "a/b": may not contain '/'`},
		{"unknown selector operator", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {matchExpressions: [{key: app, operator: Maybe, values: [x]}]}}\n",
			`spec.podSelector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator`},
		{"invalid ipBlock cidr", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}\n",
			`spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value`},
		{"except outside cidr", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]}\n",
			`spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of ` + "`cidr`"},
		{"ipBlock with a selector", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}\n",
			`spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer`},
		{"port out of range", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{ports: [{port: 70000}]}]}\n",
			`spec.ingress[0].ports[0].port: Invalid value: "70000": must be between 1 and 65535, inclusive`},
		{"unknown protocol", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{ports: [{protocol: ICMP, port: 1}]}]}\n",
			`spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`},
		{"endPort below port", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{ports: [{port: 100, endPort: 90}]}]}\n",
			"spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`"},
		{"invalid container port name", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: i, ports: [{name: HTTP_PORT, containerPort: 80}]}]}\n",
			`spec.containers[0].ports[0].name: Invalid value: "HTTP_PORT"`},
		{"unknown field", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: i}], hostNetwrok: true}\n",
			`Pod a/p: strict decoding error: unknown field "spec.hostNetwrok" (the API server refuses unknown fields)`},
		{"duplicate field", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n",
			`in:5: invalid YAML: key "name" already set in map`},
		{"removed extensions/v1beta1 DaemonSet", "apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: d, namespace: a}\n",
			`DaemonSet a/d: extensions/v1beta1 DaemonSet was removed in Kubernetes 1.16, use apps/v1`},
		{"removed apps/v1beta2 Deployment", "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: d}\n",
			`Deployment d: apps/v1beta2 Deployment was removed in Kubernetes 1.16, use apps/v1`},
		{"removed networking v1beta1 Ingress", "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: i}\n",
			`networking.k8s.io/v1beta1 Ingress was removed in Kubernetes 1.22, use networking.k8s.io/v1`},
		{"removed rbac v1beta1", "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n",
			`rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding was removed in Kubernetes 1.22, use rbac.authorization.k8s.io/v1`},
		{"removed PodSecurityPolicy", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n",
			`policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25, with no replacement`},
		{"deployment without containers", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}}}\n",
			`spec.template.spec.containers: Required value: a pod needs at least one container`},
		{"deployment without selector", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec: {template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: i}]}}}\n",
			`spec.selector: Required value`},
		{"selector not matching the template", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d, namespace: a}\nspec: {selector: {matchLabels: {app: x}}, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: i}]}}}\n",
			"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"d\"}: `selector` does not match template `labels`"},
		{"job restarting always", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: a}\nspec: {template: {spec: {restartPolicy: Always, containers: [{name: c, image: i}]}}}\n",
			`spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`},
		{"service without ports", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {selector: {app: x}}\n",
			`spec.ports: Required value`},
		{"rolebinding without roleRef apiGroup", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: u}]\n",
			`roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"`},
		{"clusterrolebinding to a Role", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: s}]\n",
			`roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"; subjects[0].namespace: Required value`},
		{"rule without verbs", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\nrules: [{apiGroups: [''], resources: [pods]}]\n",
			`rules[0].verbs: Required value: verbs must contain at least one value`},
		{"endpoint slice address not IPv4", "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, namespace: a}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2, 'fd00::1']}]\nports: [{port: 80}, {port: 70000, protocol: ICMP}]\n",
			`endpoints[1].addresses[1]: Invalid value: "fd00::1": must be a valid IPv4 address; ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive; ports[1].protocol: Unsupported value: "ICMP"`},
		{"second subject not a service account name", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: 'a/b'}\nsubjects: [{kind: User, name: u}, {kind: ServiceAccount, name: S_A}]\n",
			`roleRef.name: Invalid value: "a/b": may not contain '/'; subjects[1].name: Invalid value: "S_A": a lowercase RFC 1123 subdomain must consist of`},
		{"second rule without resources", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{verbs: [get], apiGroups: [''], resources: [pods]}, {verbs: [get], apiGroups: ['']}]\n",
			`rules[1].resources: Required value: resource rules must supply at least one resource`},
		{"second service port", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {selector: {app: x}, ports: [{name: a, port: 80}, {name: b, port: 81, protocol: ICMP, targetPort: HTTP_PORT}]}\n",
			`spec.ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"; spec.ports[1].targetPort: Invalid value: "HTTP_PORT"`},
		{"second except not a CIDR", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, egress: [{}, {to: [{podSelector: {}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/33]}}]}]}\n",
			`spec.egress[1].to[1].ipBlock.except[1]: Invalid value: "10.2.0.0/33": must be a valid CIDR value`},
		{"second init container port", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {initContainers: [{name: i}, {name: j, ports: [{containerPort: 1}, {containerPort: 0, hostPort: 70000}]}], containers: [{name: c}]}\n",
			`spec.initContainers[1].ports[1].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive; spec.initContainers[1].ports[1].hostPort: Invalid value: 70000`},
		{"ANP priority above 1000", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {priority: 1001, subject: {namespaces: {}}}\n",
			`spec.priority: Invalid value: 1001: must be between 0 and 1000`},
		{"ANP rule without action", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {priority: 1, subject: {namespaces: {}}, ingress: [{from: [{namespaces: {}}]}]}\n",
			`spec.ingress[0].action: Required value: one of ["Allow" "Deny" "Pass"]`},
		{"ANP rule with an unknown action", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {priority: 1, subject: {namespaces: {}}, egress: [{action: Drop, to: [{namespaces: {}}]}]}\n",
			`spec.egress[0].action: Unsupported value: "Drop": supported values: "Allow", "Deny", "Pass"`},
		{"ANP port range end below start", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {protocol: TCP, start: 100, end: 90}}]}]}\n",
			`spec.ingress[0].ports[0].portRange.end: Invalid value: 90: must be greater than or equal to start (100)`},
		{"ANP invalid network", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: p}\nspec: {priority: 1, subject: {namespaces: {}}, egress: [{action: Deny, to: [{networks: [10.0.0.0/40]}]}]}\n",
			`spec.egress[0].to[0].networks[0]: Invalid value: "10.0.0.0/40": must be a valid CIDR value`},
		{"BANP not named default", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: baseline}\nspec: {subject: {namespaces: {}}}\n",
			`metadata.name: Invalid value: "baseline": Only one baseline admin network policy with metadata.name="default" can be created in the cluster`},
		{"BANP Pass action", "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec: {subject: {namespaces: {}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}\n",
			`spec.ingress[0].action: Unsupported value: "Pass": supported values: "Allow", "Deny"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New("in", Options{})
			l.Bytes("in", []byte(tc.in+valid))
			snap, stats, err := l.Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Problems) != 1 || !strings.Contains(snap.Problems[0].String(), tc.want) {
				t.Fatalf("problems = %q\nwant one containing %q", snap.Problems, tc.want)
			}
			if !strings.HasPrefix(snap.Problems[0].Where, "in:") {
				t.Errorf("problem without file and line: %v", snap.Problems[0])
			}
			if d := cmp.Diff(map[string]int{"ConfigMap": 1}, snap.Counts()); d != "" {
				t.Errorf("counts (-want +got):\n%s", d)
			}
			if stats.Skipped != 1 || stats.Objects != 1 || stats.Documents != 2 {
				t.Errorf("stats = %+v, want 2 documents, 1 object, 1 skipped", stats)
			}
		})
	}
}

// TestAccepted checks input the API server accepts that is easy to refuse
// by mistake.
func TestAccepted(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"rbac names with colons", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'system:controller:x'}\nrules: [{nonResourceURLs: ['/metrics'], verbs: [get]}]\n"},
		{"user subject without apiGroup (defaulted)", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: User, name: 'alice@example.com'}, {kind: ServiceAccount, name: s}]\n"},
		{"named port and endPort", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{ports: [{port: http}, {port: 1000, endPort: 2000}], from: [{ipBlock: {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}}, {namespaceSelector: {}, podSelector: {matchLabels: {a: b}}}]}]}\n"},
		{"headless service without ports", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {clusterIP: None}\n"},
		{"job with restartPolicy Never", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: a}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}\n"},
		{"kubectl get -o yaml fields", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, uid: x, resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z', managedFields: [{manager: kubectl, operation: Apply}]}\nspec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running, podIP: 10.0.0.1}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{}
			Bytes(snap, "in", []byte(tc.in))
			if len(snap.Problems) > 0 || len(snap.Objects()) != 1 {
				t.Errorf("problems %v, objects %d; want none and 1", snap.Problems, len(snap.Objects()))
			}
		})
	}
}

// TestLabelsValidatedOnce: label pairs that passed are not checked again,
// yet a bad label beside them is refused, every time, and the labels of
// an accepted object are kept whole.
func TestLabelsValidatedOnce(t *testing.T) {
	cm := func(name, labels string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: a, labels: {" + labels + "}}\n"
	}
	in := strings.Join([]string{
		cm("c1", "app: web, tier: front"),
		cm("c2", "app: web, tier: front"),
		cm("c3", `app: web, "bad key": x`),
		cm("c4", `app: web, "bad key": x`),
		cm("c5", "app: web"),
	}, "---\n")
	snap := &snapshot.Snapshot{}
	Bytes(snap, "in", []byte(in))
	if len(snap.Problems) != 2 {
		t.Fatalf("problems %v, want c3 and c4 refused", snap.Problems)
	}
	for _, p := range snap.Problems {
		if !strings.Contains(p.String(), `metadata.labels: Invalid value: "bad key"`) {
			t.Errorf("problem %v", p)
		}
	}
	want := map[string]map[string]string{"c1": {"app": "web", "tier": "front"}, "c2": {"app": "web", "tier": "front"}, "c5": {"app": "web"}}
	got := map[string]map[string]string{}
	for _, c := range snap.ConfigMaps {
		got[c.Name] = c.Labels
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
}
