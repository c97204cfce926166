package load

import (
	"bytes"
	"testing"
)

// TestStringRuns holds the word-at-a-time scans to a byte-at-a-time look
// at every position of strings with each stopping byte at each place.
func TestStringRuns(t *testing.T) {
	printable := func(c byte) bool { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' }
	stops := []byte{'"', '\\', 0x00, 0x1f, 0x7f, 0x80, 0xff, 0xc3}
	for n := 0; n <= 20; n++ {
		for at := 0; at <= n; at++ {
			for _, stop := range append(stops, 'a', ' ', '~', '<') {
				s := bytes.Repeat([]byte{'x'}, n)
				if at < n {
					s[at] = stop
				}
				for i := 0; i <= n; i++ {
					want := i
					for want < len(s) && printable(s[want]) {
						want++
					}
					if got := printableRun(s, i); got != want {
						t.Fatalf("printableRun(%q, %d) = %d, want %d", s, i, got, want)
					}
					want = bytes.IndexAny(s[i:], "\"\\")
					if want < 0 {
						want = len(s)
					} else {
						want += i
					}
					if got := quoteOrEscapeAt(s, i); got != want {
						t.Fatalf("quoteOrEscapeAt(%q, %d) = %d, want %d", s, i, got, want)
					}
				}
			}
		}
	}
}

// FuzzStringRuns holds the scans to a byte-at-a-time look on any bytes.
func FuzzStringRuns(f *testing.F) {
	f.Add([]byte(`abc"def\ghi`), 0)
	f.Fuzz(func(t *testing.T, s []byte, i int) {
		if i < 0 || i > len(s) {
			return
		}
		want := i
		for want < len(s) && s[want] >= 0x20 && s[want] < 0x7f && s[want] != '"' && s[want] != '\\' {
			want++
		}
		if got := printableRun(s, i); got != want {
			t.Fatalf("printableRun(%q, %d) = %d, want %d", s, i, got, want)
		}
	})
}
