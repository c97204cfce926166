package termsafe

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain\n\ttext":             "plain\n\ttext",
		"rb\x1b]0;pwned\x07\x1b[2K": `rb\x1b]0;pwned\x07\x1b[2K`,
		"a\rb":                      `a\x0db`,
		"admin\u202etxt":            `admin\u202etxt`,
		"\xff":                      `\xff`,
		"café \ufffd → 团队":          "café \ufffd → 团队",
		"\ue000forged\ue001[8m":     `\ue000forged\ue001[8m`,
		"\u009b31m":                 `\u009b31m`,
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzString: the output holds no unsafe character, and safe text comes
// back unchanged.
func FuzzString(f *testing.F) {
	for _, s := range []string{"a\x1b[2Kb", "\u202e", "\xff\xfe", "plain\n", "\ue000x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if i := Index(out); i >= 0 {
			t.Fatalf("String(%q) = %q: unsafe at %d", s, out, i)
		}
		if Index(s) < 0 && out != s {
			t.Fatalf("String(%q) changed safe text to %q", s, out)
		}
	})
}
