package cli

// Exit codes, the same for every command (docs/exit-codes.md has the table).
const (
	// ExitOK: the command succeeded; for can-i, reach and paths the answer
	// is "yes".
	ExitOK = 0
	// ExitFailure: the command could not answer: bad flags, unreadable or
	// empty input, a cluster that refused what the analysis needs.
	ExitFailure = 1
	// ExitFindings: audit found something at or above --fail-on.
	ExitFindings = 3
	// ExitNo: can-i, reach or paths answered "no" (not allowed, not
	// reachable, no path).
	ExitNo = 4
	// ExitIncomplete: the verdict stands on incomplete input
	// (--allow-incomplete) and nothing reached --fail-on.
	ExitIncomplete = 5
)
