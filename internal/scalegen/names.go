package scalegen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The address plan: nodes in the VPC's 10.1.0.0/16, pods in 10.128.0.0/10
// (a /24 podCIDR per node), Services in 10.96.0.0/12, the control plane at
// 10.0.0.10-11; the whole cluster inside 10.0.0.0/8.
const (
	clusterCIDR = "10.0.0.0/8"
	podCIDR     = "10.128.0.0/10"
	metadataIP  = "169.254.169.254/32"
	dnsIP       = "10.96.0.10"
)

// alphabet is the one Kubernetes uses for generated name suffixes
// (k8s.io/apimachinery/pkg/util/rand.SafeEncodeString): no vowels, no
// digits that read as letters.
const alphabet = "bcdfghjklmnpqrstvwxz2456789"

// suffix returns n random characters of the generated-name alphabet.
func suffix(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// uid returns a random version 4 UUID.
func (g *generator) uid() types.UID {
	a, b := g.uids.Uint64(), g.uids.Uint64()
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-%x%03x-%012x",
		a>>32, (a>>16)&0xffff, a&0xfff, 8|(b>>62), (b>>48)&0xfff, b&0xffffffffffff))
}

// created is every object's creationTimestamp: a fixed time keeps the
// output deterministic.
var created = metav1.NewTime(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC))

// meta returns an object's metadata: about what kubectl-neat leaves of a
// live object (no resourceVersion, uid or managedFields). Objects that
// others name as their owner get a uid (see owner).
func (g *generator) meta(namespace, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels, CreationTimestamp: created}
}

// owner returns the metadata of an object other objects name as their
// owner: with a uid.
func (g *generator) owner(namespace, name string, labels map[string]string) metav1.ObjectMeta {
	m := g.meta(namespace, name, labels)
	m.UID = g.uid()
	return m
}

// addr returns the address n past base.
func addr(base netip.Addr, n int) netip.Addr {
	b := base.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// serviceIP hands out the next ClusterIP after those of kubernetes (.1)
// and kube-dns (.10).
func (g *generator) serviceIP() string {
	g.nextServiceIP++
	return addr(netip.MustParseAddr("10.96.1.0"), g.nextServiceIP).String()
}

func ptr[T any](v T) *T { return &v }

// controllerRef returns the owner reference a controller sets on what it
// creates.
func controllerRef(apiVersion, kind, name string, uid types.UID) []metav1.OwnerReference {
	return []metav1.OwnerReference{{
		APIVersion:         apiVersion,
		Kind:               kind,
		Name:               name,
		UID:                uid,
		Controller:         ptr(true),
		BlockOwnerDeletion: ptr(true),
	}}
}
