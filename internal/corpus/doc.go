// Package corpus holds no code: its test runs `bulkhead audit` and `bulkhead
// reach` through the real CLI entry on clusters composed from real upstream
// manifests (kube-prometheus, ingress-nginx, Argo CD, Online Boutique, the
// network policy recipes, Capsule, kubernetes-dashboard, cert-manager), in
// testdata/<cluster>/, and checks a
// table of expected findings and non-findings, tenant pairs and flows.
//
// Each upstream-derived file names its repository, path, commit and licence,
// and what was removed; tenants.yaml (or workloads.yaml) files are written
// for the test. A row marked pending states a verdict bulkhead owes but does
// not give yet: it must fail today, and the test fails when it starts to
// pass, so that the mark is dropped.
package corpus
