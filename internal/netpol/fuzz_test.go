package netpol

import (
	"net/netip"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// FuzzSelector checks the compiled selector against apimachinery's
// label selector on arbitrary selectors and label sets.
func FuzzSelector(f *testing.F) {
	f.Add("app", "web", "tier", byte(0), "a,b", "app=web,tier=a")
	f.Add("", "", "k", byte(1), "x", "k=x")
	f.Add("a", "b", "c", byte(2), "", "c=")
	f.Add("a", "b", "c", byte(3), "", "a=b")
	f.Add("x/y", "z", "k8s.io/n", byte(4), "v1,v2", "x/y=z,k8s.io/n=v2")
	f.Fuzz(func(t *testing.T, mk, mv, ek string, op byte, vals, set string) {
		sel := &metav1.LabelSelector{}
		if mk != "" {
			sel.MatchLabels = map[string]string{mk: mv}
		}
		ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist, "Bogus"}
		if ek != "" {
			req := metav1.LabelSelectorRequirement{Key: ek, Operator: ops[int(op)%len(ops)]}
			if vals != "" {
				req.Values = strings.Split(vals, ",")
			}
			sel.MatchExpressions = []metav1.LabelSelectorRequirement{req}
		}
		lbls := map[string]string{}
		for _, kv := range strings.Split(set, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				lbls[k] = v
			}
		}
		c := compileSelector(sel)
		ref, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			if !c.invalid || c.matches(lbls) {
				t.Fatalf("selector %v is invalid (%v) but compiled as valid", sel, err)
			}
			return
		}
		if got, want := c.matches(lbls), ref.Matches(labels.Set(lbls)); got != want {
			t.Fatalf("selector %v on %v: got %v, apimachinery says %v", sel, lbls, got, want)
		}
		if c.isEmpty() != ref.Empty() {
			t.Fatalf("selector %v: isEmpty %v, apimachinery Empty %v", sel, c.isEmpty(), ref.Empty())
		}
	})
}

// FuzzPorts checks that port atoms partition every protocol's port space
// and that a rule covers the atom of a port exactly when it admits the port.
func FuzzPorts(f *testing.F) {
	f.Add([]byte{0, 0, 80, 0, 80, 1, 0, 53, 0, 53}, byte(0), uint16(80))
	f.Add([]byte{2, 0, 1, 255, 255}, byte(2), uint16(65535))
	f.Add([]byte{0, 31, 144, 31, 100}, byte(0), uint16(8080))
	f.Fuzz(func(t *testing.T, spec []byte, proto byte, port uint16) {
		var rs []portRange
		for i := 0; i+4 < len(spec) && len(rs) < 16; i += 5 {
			rs = append(rs, portRange{int(spec[i]) % 3, int32(spec[i+1])<<8 | int32(spec[i+2]), int32(spec[i+3])<<8 | int32(spec[i+4])})
		}
		pa := buildPortAtoms(rs)
		// Atoms are disjoint, in order, and cover 1-65535 per protocol.
		for p := 0; p < 3; p++ {
			next := int32(1)
			for _, a := range pa.atoms {
				if a.proto != p {
					continue
				}
				if a.lo != next || a.hi < a.lo {
					t.Fatalf("protocol %d: atom %v after %d", p, a, next-1)
				}
				next = a.hi + 1
			}
			if next != maxPort+1 {
				t.Fatalf("protocol %d: atoms end at %d", p, next-1)
			}
		}
		pi, pt := int(proto)%3, int32(port)
		a := pa.find(pi, pt)
		if pt < 1 {
			if a != -1 {
				t.Fatalf("port 0 found in atom %d", a)
			}
			return
		}
		at := pa.atoms[a]
		if at.proto != pi || pt < at.lo || pt > at.hi {
			t.Fatalf("port %d/%d in atom %v", pt, pi, at)
		}
		s := portSpec{ranges: rs}
		if got, want := s.covers(at), s.admits(pi, pt, nil); got != want {
			t.Fatalf("ranges %v: atom %v covered %v, port %d admitted %v", rs, at, got, pt, want)
		}
	})
}

// FuzzCIDR checks ipBlock membership against net/netip and that address
// atoms never straddle a block boundary.
func FuzzCIDR(f *testing.F) {
	f.Add("10.0.0.0/8", "10.1.0.0/16", "10.1.2.3")
	f.Add("0.0.0.0/0", "169.254.169.254/32", "169.254.169.254")
	f.Add("2001:db8::/32", "2001:db8::/48", "2001:db8:1::1")
	f.Add("10.0.0.1/4", "", "15.255.255.255")
	f.Fuzz(func(t *testing.T, cidr, except, ipText string) {
		var exc []string
		if except != "" {
			exc = []string{except}
		}
		blk, err := parseIPBlock(cidr, exc)
		ip, ierr := netip.ParseAddr(ipText)
		if err != nil || ierr != nil {
			return
		}
		ip = ip.Unmap()
		want := blk.cidr.Contains(ip)
		for _, e := range blk.except {
			if e.Contains(ip) {
				want = false
			}
		}
		if got := blk.contains(ip); got != want {
			t.Fatalf("%s except %v contains %s: got %v want %v", cidr, exc, ip, got, want)
		}
		atoms := buildIPAtoms(append([]netip.Prefix{blk.cidr}, blk.except...))
		i := findIPAtom(atoms, ip)
		if i < 0 {
			t.Fatalf("%s in no atom of %v", ip, atoms)
		}
		r := atoms[i]
		if ip.Less(r.lo) || r.hi.Less(ip) {
			t.Fatalf("%s outside its atom %v", ip, r)
		}
		if blk.contains(r.lo) != want || blk.contains(r.hi) != want {
			t.Fatalf("atom %v straddles %s except %v", r, cidr, exc)
		}
	})
}
