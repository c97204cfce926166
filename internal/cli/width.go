package cli

import (
	"os"
	"strconv"

	"golang.org/x/term"
)

// Width is how many columns output may use: the terminal's width, else
// $COLUMNS, else 100.
func Width(streams IOStreams) int { return widthOf(streams.Out) }

// widthOf is how many columns what is written to w may use: the width of
// w's terminal, else $COLUMNS, else 100.
func widthOf(w interface{}) int {
	if f, ok := w.(*os.File); ok && IsTerminal(f) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 40 {
			return w
		}
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 40 {
		return c
	}
	return 100
}
