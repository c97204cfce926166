package netpol

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestPortAtoms(t *testing.T) {
	pa := buildPortAtoms([]portRange{{0, 80, 80}, {0, 8000, 8100}, {1, 53, 53}, {0, 70, 90}, {2, 0, 0}, {0, 65000, 70000}})
	var got []string
	for _, a := range pa.atoms {
		got = append(got, mergePorts([]portRange{a})[0].String())
	}
	want := []string{
		"TCP 1-69", "TCP 70-79", "TCP 80", "TCP 81-90", "TCP 91-7999", "TCP 8000-8100", "TCP 8101-64999", "TCP 65000-65535",
		"UDP 1-52", "UDP 53", "UDP 54-65535",
		"SCTP any port",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("atoms (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		proto int
		port  int32
		want  string
	}{{0, 80, "TCP 80"}, {0, 1, "TCP 1-69"}, {0, 65535, "TCP 65000-65535"}, {1, 54, "UDP 54-65535"}, {2, 9, "SCTP any port"}} {
		if got := mergePorts([]portRange{pa.atoms[pa.find(c.proto, c.port)]})[0].String(); got != c.want {
			t.Errorf("find(%d, %d) = %s, want %s", c.proto, c.port, got, c.want)
		}
	}
	if pa.find(0, 0) != -1 || pa.find(-1, 80) != -1 || pa.find(0, 65536) != -1 {
		t.Error("out-of-range ports found")
	}
}

func TestFormatPorts(t *testing.T) {
	got := FormatPorts(mergePorts([]portRange{{0, 1, 79}, {0, 80, 80}, {0, 82, 90}, {1, 53, 53}, {2, 1, 65535}}))
	if want := "TCP 1-80, TCP 82-90, UDP 53, SCTP any port"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if protoIndex("udp") != 1 || protoIndex("") != 0 || protoIndex(corev1.Protocol("ICMP")) != -1 {
		t.Error("protoIndex")
	}
}

func TestIPAtoms(t *testing.T) {
	pfx := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range s {
			out = append(out, netip.MustParsePrefix(x))
		}
		return out
	}
	atoms := buildIPAtoms(pfx("10.0.0.0/8", "10.1.0.0/16", "169.254.169.254/32", "0.0.0.0/0", "2001:db8::/32", "255.255.255.255/32"))
	var got []string
	for _, a := range atoms {
		got = append(got, a.String())
	}
	want := []string{
		"0.0.0.0-9.255.255.255", "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0-10.255.255.255",
		"11.0.0.0-169.254.169.253", "169.254.169.254", "169.254.169.255-255.255.255.254", "255.255.255.255",
		"::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32", "2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("atoms (-want +got):\n%s", d)
	}
	for ip, want := range map[string]string{"10.1.2.3": "10.1.0.0/16", "169.254.169.254": "169.254.169.254", "::ffff:10.1.0.1": "10.1.0.0/16", "2001:db8::1": "2001:db8::/32"} {
		i := findIPAtom(atoms, netip.MustParseAddr(ip))
		if i < 0 || atoms[i].String() != want {
			t.Errorf("%s in atom %d", ip, i)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{"ns/pod": "ns/pod", "10.0.0.1": "10.0.0.1", "::ffff:10.0.0.1": "10.0.0.1", "2001:db8::1": "2001:db8::1"} {
		e, err := ParseEndpoint(in)
		if err != nil || e.String() != want {
			t.Errorf("ParseEndpoint(%q) = %v, %v", in, e, err)
		}
	}
	for _, in := range []string{"", "pod", "/pod", "ns/", "a/b/c", "10.0.0.0/8"} {
		if _, err := ParseEndpoint(in); err == nil {
			t.Errorf("ParseEndpoint(%q): want an error", in)
		}
	}
}
