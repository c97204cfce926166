package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func anyPort(proto string) netpol.PortRange {
	return netpol.PortRange{Protocol: corev1.Protocol(proto), Start: 1, End: 65535}
}

// ciliumNotes are what IncompleteNotes says of input with a Cilium policy.
var ciliumNotes = IncompleteNotes([]analysis.Analysis{{Name: "network", Status: analysis.Incomplete,
	Notes: []string{snapshot.ConnectivityKinds[0].GapResource() + " " + snapshot.ConnectivityKinds[0].Gap(1).Reason}}})

var (
	everyPort = []netpol.PortRange{anyPort("TCP"), anyPort("UDP"), anyPort("SCTP")}
	web       = []netpol.PortRange{{Protocol: "TCP", Start: 80, End: 80}, {Protocol: "TCP", Start: 8000, End: 8080}}
)

// TestReachMatrix: every writer of the matrix, namespaces and pods, with
// cells of every port, some ports and none.
func TestReachMatrix(t *testing.T) {
	namespaces := netpol.Matrix{Kind: "namespace", Endpoints: []string{"a", "b", "c"}, Allowed: []netpol.Cell{
		{From: "a", To: "a", Ports: everyPort},
		{From: "a", To: "b", Ports: web},
		{From: "b", To: "b", Ports: everyPort},
		{From: "c", To: "a", Ports: everyPort[:1]},
	}}
	pods := netpol.Matrix{Kind: "pod", Endpoints: []string{"a/web", "b/client"}, Allowed: []netpol.Cell{
		{From: "b/client", To: "a/web", Ports: web[:1]},
	}}
	for _, tc := range []struct {
		name   string
		mx     netpol.Matrix
		format Format
		file   string
	}{
		{"namespaces text", namespaces, FormatText, "reach-matrix.txt"},
		{"namespaces csv", namespaces, FormatCSV, "reach-matrix.csv"},
		{"namespaces json", namespaces, FormatJSON, "reach-matrix.json"},
		{"pods text", pods, FormatText, "reach-matrix-pods.txt"},
		{"incomplete text", namespaces, FormatText, "reach-matrix-incomplete.txt"},
		{"incomplete json", namespaces, FormatJSON, "reach-matrix-incomplete.json"},
		{"incomplete csv", namespaces, FormatCSV, "reach-matrix.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			r := ReachMatrixResult{Matrix: tc.mx}
			if strings.HasPrefix(tc.name, "incomplete") {
				r.Incomplete = ciliumNotes
			}
			if err := ReachMatrixResultAs(&b, tc.format, r); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, tc.file, b.String())
		})
	}
}

// TestReach: one verdict, on a port and on any port, allowed and denied.
func TestReach(t *testing.T) {
	deny := netpol.Verdict{From: "b/client", To: "a/web", Port: web[0], Summary: "denied by the destination",
		Egress:  netpol.Side{Allowed: true, Reason: "not isolated"},
		Ingress: netpol.Side{Isolated: true, Reason: "no rule allows it"},
		Notes:   []string{"a/web has no IP in the input"}}
	allow := deny
	allow.Allowed, allow.Ingress.Allowed, allow.Summary, allow.Notes = true, true, "allowed", nil
	for _, tc := range []struct {
		name   string
		r      ReachResult
		format Format
		file   string
	}{
		{"denied on a port", ReachResult{Verdict: deny}, FormatText, "reach-denied.txt"},
		{"allowed on any port", ReachResult{Verdict: allow, AnyPort: true, Ports: web}, FormatText, "reach-any-port.txt"},
		{"no port", ReachResult{Verdict: deny, AnyPort: true}, FormatText, "reach-no-port.txt"},
		{"allowed on any port json", ReachResult{Verdict: allow, AnyPort: true, Ports: web}, FormatJSON, "reach-any-port.json"},
		{"incomplete", ReachResult{Verdict: allow, AnyPort: true, Ports: web, Incomplete: ciliumNotes}, FormatText, "reach-incomplete.txt"},
		{"incomplete json", ReachResult{Verdict: deny, Incomplete: ciliumNotes}, FormatJSON, "reach-incomplete.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := ReachAs(&b, tc.format, tc.r); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, tc.file, b.String())
		})
	}
}

// TestIncompleteNotes: a note per gap of each incomplete analysis, and the
// status of one with no note; nothing for complete input.
func TestIncompleteNotes(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []analysis.Analysis
		want []string
	}{
		{"complete", nil, nil},
		{"gaps", []analysis.Analysis{{Name: "network", Status: analysis.Incomplete, Notes: []string{"pods forbidden", "networkpolicies.networking.k8s.io forbidden"}}},
			[]string{"network: pods forbidden", "network: networkpolicies.networking.k8s.io forbidden"}},
		{"not run", []analysis.Analysis{{Name: "dns", Status: analysis.NotRun}}, []string{"dns: not run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, IncompleteNotes(tc.in)); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}
