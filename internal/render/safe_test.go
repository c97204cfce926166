package render

import (
	"bytes"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
)

// TestSafeText: what a tenant can write into free-text fields (a
// subject's name, a Role's) reaches the terminal escaped, colour sequences
// too; only the printer's own colours pass, and only with colour on.
func TestSafeText(t *testing.T) {
	painted := (&printer{o: TextOptions{Color: true}}).paint("1;31", "CRITICAL")
	for _, tc := range []struct {
		name, in string
		color    bool
		want     string
	}{
		{"plain", "User/carol reads secrets\n\tin team-a", false, "User/carol reads secrets\n\tin team-a"},
		{"clear line", "User/carol\x1b[2Kall tenants isolated", false, `User/carol\x1b[2Kall tenants isolated`},
		{"clear line with colour on", "User/carol\x1b[2Kall", true, `User/carol\x1b[2Kall`},
		{"a tenant's colour, colour on", "eve\x1b[32m ok", true, `eve\x1b[32m ok`},
		{"terminal title (OSC)", "x\x1b]0;owned\x07y", true, `x\x1b]0;owned\x07y`},
		{"carriage return and backspace", "a\rb\bc", false, `a\x0db\x08c`},
		{"C1 control", "a\u009bb", false, `a\u009bb`},
		{"bidi override", "admin\u202etxt.exe", false, `admin\u202etxt.exe`},
		{"invalid UTF-8", "a\xffb", false, `a\xffb`},
		{"U+FFFD is text", "caf\u00e9 \ufffd", false, "caf\u00e9 \ufffd"},
		{"the printer's colours", painted + " why", true, "\x1b[1;31mCRITICAL\x1b[0m why"},
		{"the printer's colours, colour off", painted + " why", false, "CRITICAL why"},
		{"a forged mark", "\ue000" + "0123456789abcdef" + "\ue001[8mhidden", true, `\ue0000123456789abcdef\ue001[8mhidden`},
		{"non-ASCII text stays", "équipe-α → 团队", false, "équipe-α → 团队"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeText(tc.in, tc.color); got != tc.want {
				t.Errorf("safeText(%q, %v) = %q, want %q", tc.in, tc.color, got, tc.want)
			}
		})
	}
}

// FuzzSafeText: whatever the input, without the printer's colours the
// output holds no control character but newline and tab, and text
// without any comes back unchanged.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"a\x1b[2Kb", "\x1b[1;31mx\x1b[0m", "\u202e", "\xff\xfe", "plain\n", "\ue000x\ue001[1m"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, color bool) {
		out := safeText(s, color)
		for i, r := range out {
			if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e || r == 0xe000) {
				t.Fatalf("safeText(%q, %v) = %q: %U at %d", s, color, out, r, i)
			}
		}
		if termsafe.Index(s) < 0 && out != s {
			t.Fatalf("safeText(%q) changed safe text to %q", s, out)
		}
	})
}

// TestWhoCanTableEscaped: who-can's table, the usual case (it fits the
// width), escapes a subject's name as the wrapped form does.
func TestWhoCanTableEscaped(t *testing.T) {
	var b bytes.Buffer
	err := WhoCan(&b, []rbac.Access{{Subject: rbac.Subject{Kind: "User", Name: "eve\x1b[2K\x1b]0;pwned\x07"},
		Binding: finding.Ref{Kind: "ClusterRoleBinding", Name: "x"}, Role: finding.Ref{Kind: "ClusterRole", Name: "view"},
		Rule: rbacv1.PolicyRule{Verbs: []string{"get"}, Resources: []string{"pods"}, APIGroups: []string{""}}}}, TextOptions{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") || !strings.Contains(b.String(), `eve\x1b[2K\x1b]0;pwned\x07`) {
		t.Errorf("who-can's table: %q", b.String())
	}
}

// TestWrapMeasuresEscapes: a line is wrapped as it prints, its escapes
// counted at their length, so that a name with control characters does
// not push it past the width.
func TestWrapMeasuresEscapes(t *testing.T) {
	var b bytes.Buffer
	p := &printer{w: &b, o: TextOptions{Width: 60}}
	// 35 + 1 + 15 bytes fit the 58 columns after the lead; escaped, the
	// second word is 24 columns and goes to the next line.
	p.wrap("  ", strings.Repeat("a", 35)+" rb\x1b[31m\x1b[0m\x1b[0m")
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := len([]rune(line)); n > 60 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if !strings.Contains(b.String(), `rb\x1b[31m\x1b[0m\x1b[0m`) {
		t.Errorf("not escaped: %q", b.String())
	}
}
