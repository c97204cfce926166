package kube

import (
	"strings"
	"testing"
)

// With no kubeconfig anywhere, the error says where it looked, not
// client-go's hint about KUBERNETES_MASTER.
func TestConfigNone(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	_, _, err := Config("", "")
	if err == nil || !strings.Contains(err.Error(), "no kubeconfig") || strings.Contains(err.Error(), "KUBERNETES_MASTER") {
		t.Errorf("error %v", err)
	}
}
