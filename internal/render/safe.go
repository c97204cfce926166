package render

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
)

// safeText makes text from the cluster safe to print on a terminal or in
// a CI log (package termsafe says why and how). The printer's own colours
// pass, with colour: paint marks them with paintMark, which no input can
// know, and safeText turns each mark into the escape character; without
// colour, it drops them.
func safeText(s string, color bool) string {
	return termsafe.Rewrite(s, func(b *strings.Builder, rest string) int {
		if !strings.HasPrefix(rest, paintMark) {
			return 0
		}
		if color {
			b.WriteByte(0x1b)
			return len(paintMark)
		}
		if end := strings.IndexByte(rest[len(paintMark):], 'm'); end >= 0 {
			return len(paintMark) + end + 1 // the colour, dropped
		}
		return len(paintMark)
	})
}

// paintMark starts each colour sequence the printer writes, in place of
// the escape character: a private-use character and a random word made at
// start, so that no cluster text can hold it and pass for a colour.
var paintMark = func() string {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(err) // crypto/rand never fails on a supported system
	}
	return "\ue000" + hex.EncodeToString(nonce[:]) + "\ue001"
}()

// safeWriter writes through safeText, without colour.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, safeText(string(p), false)); err != nil {
		return 0, err
	}
	return len(p), nil
}
