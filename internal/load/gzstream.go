package load

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A big gzip'd file in the form `bulkhead snapshot -o json.gz` writes, a
// List with one item a line, is decoded while it is decompressed: the
// items of the lines decompressed so far go to the workers, as
// compactList would give them, so that the decompression, which cannot
// be shared between CPUs, is no longer a wait before all the rest. What
// is read is exactly what decompressing it first would read: anything
// but that form (YAML, indented JSON, a Helm template, CR LF line ends,
// an item compactList would not take) is found out on the way, and the
// whole file then goes the usual way once decompressed, as does a
// stream that ends badly, whose error is the usual one.

// streamFrom is the (decompressed) size from which a file is read as a
// stream: below it, the wait is short.
var streamFrom = 8 << 20

const (
	// streamStep is how much is decompressed between two looks for
	// complete lines.
	streamStep = 1 << 20
	// streamChunk is the number of items a worker decodes at once.
	streamChunk = 1024
)

// gunzipping is a gzip stream being decompressed on another goroutine.
type gunzipping struct {
	// sofar carries the data decompressed so far, each time more than
	// streamStep has come: only the latest is kept for the reader, which
	// may skip some. It is closed at the end, after which data and err
	// are set.
	sofar chan []byte
	data  []byte
	err   error
}

// startGunzip starts decompressing data, a gzip stream.
func startGunzip(data []byte) *gunzipping {
	g := &gunzipping{sofar: make(chan []byte, 1)}
	go func() {
		defer close(g.sofar)
		told := 0
		g.data, g.err = decompress(data, func(b []byte) {
			if len(b)-told < streamStep {
				return
			}
			told = len(b)
			select { // the reader wants the latest only
			case <-g.sofar:
			default:
			}
			g.sofar <- b
		})
	}()
	return g
}

// gunzipBytes adds the content of a file read whole as data,
// decompressing it first when it is gzip'd. A big compact List is read
// as a stream: while it is decompressed, or, given as it is, without
// jsonBracketItems's look at every byte before the workers start.
func (l *Loader) gunzipBytes(name string, data []byte) error {
	streams := !l.reference && l.workers > 1
	if streams && isGzip(data) && sizeHint(data) >= streamFrom {
		g := startGunzip(data)
		s := l.newStream(name)
		for sofar := range g.sofar {
			s.take(sofar, false)
		}
		whole, err := g.data, g.err
		if err != nil {
			s.abandon()
			return fmt.Errorf("read %s: %w", name, err)
		}
		s.take(whole, true)
		if !s.finish(whole) {
			l.Bytes(name, whole)
		}
		return nil
	}
	data, err := gunzip(data)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if streams && len(data) >= max(streamFrom, 1) && data[0] == '{' {
		s := l.newStream(name)
		s.take(data, true)
		if s.finish(data) {
			return nil
		}
	}
	l.Bytes(name, data)
	return nil
}

// A stream reads the items of a compact List, line by line, as its
// lines come.
type stream struct {
	l    *Loader
	name string
	// prefix starts the name of each item, as compactList names them.
	prefix string
	// off is where the first line not yet taken starts; open is the
	// offset of the items' '[' (0 until the first line is read).
	off, open int
	// trailer is where the line after the last item starts (0 until
	// it is found).
	trailer int
	implied *schema.GroupVersionKind
	// items counts the items handed out; last is the last one's line,
	// comma included.
	items int
	last  []byte
	// usual says the file is not in the form: it goes the usual way.
	usual bool

	failed  atomic.Bool
	chunks  chan streamChunkOf
	batches []*batch
	wg      sync.WaitGroup
}

type streamChunkOf struct {
	first int      // the index of the first item
	items [][]byte // each without its comma
	into  *batch
}

func (l *Loader) newStream(name string) *stream {
	s := &stream{l: l, name: name, prefix: name + ":1 items[", chunks: make(chan streamChunkOf, 2*l.workers)}
	for range l.workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			worker := &batch{} // what this goroutine remembers
			for c := range s.chunks {
				c.into.remembering(worker)
				s.decode(c)
			}
		}()
	}
	return s
}

// decode decodes a chunk's items into its batch, as compactGroups does,
// or marks the stream failed.
func (s *stream) decode(c streamChunkOf) {
	kinds := kindCache{}
	for j, item := range c.items {
		if s.failed.Load() {
			return
		}
		c.into.docs++
		// compactItem takes an item that is one JSON value, no more (as
		// jsonBracketItems splits them): a line that is not goes the
		// usual way.
		if !c.into.compactItem(s.prefix+strconv.Itoa(c.first+j)+"]", item, s.implied, kinds) {
			s.failed.Store(true)
			return
		}
	}
}

// take reads the lines of data, the file decompressed so far (all of it
// when end is set), that it has not read yet: the first line is the
// List's, up to its items' '[', then an item a line, each but the last
// followed by a comma, then the rest of the List from a line starting
// with ']'.
func (s *stream) take(data []byte, end bool) {
	if s.usual || s.trailer > 0 {
		return
	}
	upto := len(data)
	if !end {
		upto = bytes.LastIndexByte(data, '\n') + 1
	}
	lines := data[s.off:upto]
	if !streamable(lines) {
		s.usual = true
		return
	}
	var chunk [][]byte
	for len(lines) > 0 && !s.usual {
		line := lines
		next := len(lines)
		if i := bytes.IndexByte(lines, '\n'); i >= 0 {
			line, next = lines[:i], i+1
		}
		switch {
		case s.open == 0:
			s.header(line)
		case len(line) > 0 && line[0] == '{':
			if s.last != nil && s.last[len(s.last)-1] != ',' {
				s.usual = true // an item after the last
				break
			}
			s.last = line
			chunk = append(chunk, bytes.TrimSuffix(line, []byte(",")))
		case len(line) > 0 && line[0] == ']' && s.last != nil:
			s.trailer = s.off
		default:
			s.usual = true
		}
		if s.trailer > 0 {
			break
		}
		s.off += next
		lines = lines[next:]
		if len(chunk) == streamChunk {
			s.send(chunk)
			chunk = nil
		}
	}
	s.send(chunk)
}

// streamable reports whether text of the file may be read as a stream:
// CR LF line ends, and "{{" (perhaps a Helm template), are for
// compactList and document to decide.
func streamable(text []byte) bool {
	return bytes.IndexByte(text, '\r') < 0 && !bytes.Contains(text, []byte("{{"))
}

// header reads the List's first line, which must end with the '[' of
// its items, and the kind it implies for items that have none, as
// listShell does with a ']}' after it (checked again at the end).
func (s *stream) header(line []byte) {
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '[' {
		s.usual = true
		return
	}
	s.open = len(line) - 1
	implied, ok := listShell(append(line[:len(line):len(line)], ']', '}'), s.open, s.open+1)
	if !ok {
		s.usual = true
		return
	}
	s.implied = implied
}

// send hands a chunk of items to the workers.
func (s *stream) send(items [][]byte) {
	if len(items) == 0 || s.usual {
		return
	}
	b := &batch{opts: &s.l.opts, ops: make([]op, 0, len(items))}
	s.batches = append(s.batches, b)
	s.chunks <- streamChunkOf{first: s.items, items: items, into: b}
	s.items += len(items)
}

// abandon stops the workers and drops what they found.
func (s *stream) abandon() {
	s.failed.Store(true)
	close(s.chunks)
	s.wg.Wait()
}

// finish waits for the workers and, when the whole file was in the form
// and every item decoded, queues what they found as compactList would
// have: it reports false when the file must go the usual way.
func (s *stream) finish(data []byte) bool {
	close(s.chunks)
	s.wg.Wait()
	if s.usual || s.failed.Load() || s.trailer == 0 || s.last[len(s.last)-1] == ',' {
		return false
	}
	if !streamable(data[s.trailer:]) {
		return false
	}
	implied, ok := listShell(data, s.open, s.trailer)
	if !ok || (implied == nil) != (s.implied == nil) || implied != nil && *implied != *s.implied {
		return false
	}
	b := &batch{opts: &s.l.opts}
	b.mergeAll(s.batches)
	s.l.stats.Files++
	s.l.streamed++
	s.l.queue(b)
	s.l.queue(&batch{endOf: s.name})
	return true
}
