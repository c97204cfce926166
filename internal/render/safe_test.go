package render

import (
	"testing"
)

// TestSafeText: what a tenant can write into free-text fields (a
// subject's name, a Role's) reaches the terminal escaped; the printer's
// own colours pass when colour is on, and nothing else does.
func TestSafeText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		color    bool
		want     string
	}{
		{"plain", "User/carol reads secrets\n\tin team-a", false, "User/carol reads secrets\n\tin team-a"},
		{"clear line", "User/carol\x1b[2Kall tenants isolated", false, `User/carol\x1b[2Kall tenants isolated`},
		{"clear line with colour on", "User/carol\x1b[2Kall", true, `User/carol\x1b[2Kall`},
		{"terminal title (OSC)", "x\x1b]0;owned\x07y", true, `x\x1b]0;owned\x07y`},
		{"carriage return and backspace", "a\rb\bc", false, `a\x0db\x08c`},
		{"C1 control", "a\u009bb", false, `a\u009bb`},
		{"bidi override", "admin\u202etxt.exe", false, `admin\u202etxt.exe`},
		{"invalid UTF-8", "a\xffb", false, `a\xffb`},
		{"the printer's colours", "\x1b[1;31mCRITICAL\x1b[0m \x1b[2mwhy\x1b[0m", true, "\x1b[1;31mCRITICAL\x1b[0m \x1b[2mwhy\x1b[0m"},
		{"the printer's colours, colour off", "\x1b[1mx\x1b[0m", false, `\x1b[1mx\x1b[0m`},
		{"concealed text is no colour of the printer's", "\x1b[8mhidden\x1b[0m", true, `\x1b[8mhidden` + "\x1b[0m"},
		{"non-ASCII text stays", "équipe-α → 团队", false, "équipe-α → 团队"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeText(tc.in, tc.color); got != tc.want {
				t.Errorf("safeText(%q, %v) = %q, want %q", tc.in, tc.color, got, tc.want)
			}
		})
	}
}

// FuzzSafeText: whatever the input, the output holds no control
// character but newline, tab and, with colour, the printer's colour
// sequences, and text without any comes back unchanged.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"a\x1b[2Kb", "\x1b[1;31mx\x1b[0m", "\u202e", "\xff\xfe", "plain\n"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, color bool) {
		out := safeText(s, color)
		for i, r := range out {
			if !unsafeRune(r) {
				continue
			}
			if r == 0x1b && sgrLen(out[i:], color) > 0 {
				continue
			}
			t.Fatalf("safeText(%q, %v) = %q: %U at %d", s, color, out, r, i)
		}
		if unsafeAt(s, color) < 0 && out != s {
			t.Fatalf("safeText(%q) changed safe text to %q", s, out)
		}
	})
}
