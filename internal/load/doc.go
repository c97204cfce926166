// Package load reads Kubernetes manifests from files and directories into a
// snapshot: YAML (multi-document) and JSON, single objects and lists as
// `kubectl get -o yaml` prints them. Unknown kinds are counted, not fatal;
// a malformed document is reported with its file and line and skipped.
package load
