package load

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// originOf reads the file and line out of where a document or list item
// was read ("f.yaml:12", "f.yaml:12 (document 3)", "f.yaml:1 items[4]"):
// the line the document, or the list holding the item, starts on. Input
// with no file (<stdin>) has no origin.
func originOf(where string) (snapshot.Origin, bool) {
	if i := strings.Index(where, " items["); i >= 0 {
		where = where[:i]
	}
	if i := strings.Index(where, " (document "); i >= 0 {
		where = where[:i]
	}
	i := strings.LastIndexByte(where, ':')
	if i <= 0 {
		return snapshot.Origin{}, false
	}
	line, err := strconv.Atoi(where[i+1:])
	file := where[:i]
	if err != nil || line < 1 || strings.HasPrefix(file, "<") {
		return snapshot.Origin{}, false
	}
	return snapshot.Origin{File: file, Line: line}, true
}

// locate records where an object was read, the first time it is: line,
// when set, is where its document begins to say something, past leading
// comments.
func (l *Loader) locate(where string, line int, kind, namespace, name string) {
	if i := strings.Index(where, " items["); i >= 0 {
		where = where[:i] // where the list starts
	}
	if where != l.located.where {
		at, ok := originOf(where)
		l.located = lastOrigin{where, at, ok}
	}
	at, ok := l.located.at, l.located.ok
	if !ok {
		return
	}
	if line > at.Line {
		at.Line = line
	}
	if l.snap.Origins == nil {
		l.snap.Origins = snapshot.Origins{}
	}
	l.snap.Origins[snapshot.ObjectName{Kind: kind, Namespace: namespace, Name: name}] = at
}

// lastOrigin is the origin of the last document or list an object was
// located in: the items of a list share it.
type lastOrigin struct {
	where string
	at    snapshot.Origin
	ok    bool
}

// leadingComments counts the lines at the start of a document that say
// nothing: blank, or comments.
func leadingComments(body []byte) int {
	n := 0
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return n
		}
		n++
	}
	return n
}
