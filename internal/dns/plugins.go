package dns

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// KubernetesPlugin is one kubernetes block of a Corefile as the DNS checks
// read it: its server, the line of its directive, its zones and its pods
// mode with the line that sets it (0 when the default applies).
type KubernetesPlugin = kubernetesPlugin

// ParseCorefile finds the kubernetes plugin blocks of a Corefile, as the
// DNS checks do.
func ParseCorefile(text string) []KubernetesPlugin { return parseCorefile(text) }

// ReverseZones returns the zones of the plugin that serve PTR records
// (in-addr.arpa, ip6.arpa and their subzones), lowercased and without a
// trailing dot.
func (k kubernetesPlugin) ReverseZones() []string { return k.reverseZones() }

// Corefile returns the CoreDNS ConfigMap (kube-system/coredns) of a
// snapshot and its Corefile; ok is false when either is missing.
func Corefile(snap *snapshot.Snapshot) (cm *corev1.ConfigMap, text string, ok bool) {
	return corefile(snap)
}
