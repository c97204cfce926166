// Package charts holds bulkhead's Helm chart (charts/bulkhead) and the tests that render it
// with Helm's own library and hold it to what bulkhead serve generates and needs: the
// webhook configuration of serve.WebhookConfiguration, its safety properties, and the
// permissions of deploy/. Nothing here is linked into the bulkhead binary.
package charts
