package render

import (
	"bytes"
	"testing"
)

func TestAnswer(t *testing.T) {
	for _, tc := range []struct {
		allowed bool
		want    string
	}{
		{true, "yes\n"},
		{false, "no\n"},
	} {
		t.Run(tc.want[:len(tc.want)-1], func(t *testing.T) {
			var b bytes.Buffer
			if err := Answer(&b, tc.allowed); err != nil || b.String() != tc.want {
				t.Errorf("Answer(%v) = %q, %v; want %q", tc.allowed, b.String(), err, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var b bytes.Buffer
	if err := Version(&b, "v0.3.0", "linux/amd64", "go1.24.0"); err != nil {
		t.Fatal(err)
	}
	if want := "bulkhead v0.3.0 linux/amd64 go1.24.0\n"; b.String() != want {
		t.Errorf("Version = %q, want %q", b.String(), want)
	}
}
