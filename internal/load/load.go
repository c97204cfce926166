package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Options say how input is read.
type Options struct {
	// Namespace receives the namespaced objects that have no
	// metadata.namespace, as `kubectl apply -f --namespace` does. Empty
	// means "default".
	Namespace string
}

// Stats counts what a load saw, so that a caller can tell an empty or
// wholly skipped input from a real one.
type Stats struct {
	// Files is the number of files read.
	Files int
	// Documents counts the non-empty YAML documents and list items seen.
	Documents int
	// Objects counts the objects added to the snapshot.
	Objects int
	// Unknown counts objects of kinds bulkhead does not model: counted in
	// the snapshot's Unknown, not analysed.
	Unknown int
	// Skipped counts the documents and items left out as Problems.
	Skipped int
	// Merged counts identical duplicates merged into one object.
	Merged int
	// Defaulted counts the namespaced objects placed in Options.Namespace
	// because they named none.
	Defaulted int
}

// Loader reads manifests into one snapshot, remembering the identity of
// every object so that a duplicate is merged or refused, and which files it
// has read so that a file reached twice (through a symlink) is read once.
type Loader struct {
	opts      Options
	snap      *snapshot.Snapshot
	stats     Stats
	seen      map[identity]origin
	read      map[string]bool
	conflicts []error
	// conflictsAsProblems makes a conflicting duplicate a Problem instead
	// of an error of Result (for Bytes, which cannot fail).
	conflictsAsProblems bool
	finished            bool
	// workers is how many documents decode at once; pending holds the
	// batches submitted and not yet applied, in input order.
	workers int
	pending []*pending
	// helm lists the lines of the Helm templates of the file being
	// applied.
	helm []int
	// reference turns the fast paths off (see batch.reference).
	reference bool
	// located is where the last object placed was read.
	located lastOrigin
	// inTurn holds what the batches built in turn on one CPU remember
	// (see batch.remembering).
	inTurn batch
	// streamed counts the files read as a stream (see gunzipBytes).
	streamed int
}

// New returns a loader filling a snapshot whose Source is source.
func New(source string, opts Options) *Loader {
	return newLoader(&snapshot.Snapshot{Source: source}, opts)
}

func newLoader(snap *snapshot.Snapshot, opts Options) *Loader {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	return &Loader{opts: opts, snap: snap, seen: map[identity]origin{}, read: map[string]bool{}, workers: workers()}
}

// Result returns the snapshot (not normalised) and what the load saw. The
// error lists every pair of objects with the same identity but different
// content: the API server holds one object per name, so the input does not
// say which one the cluster has.
func (l *Loader) Result() (*snapshot.Snapshot, Stats, error) {
	l.finish()
	return l.snap, l.stats, errors.Join(l.conflicts...)
}

// finish runs the checks that need every object, once.
func (l *Loader) finish() {
	l.flush()
	if l.finished {
		return
	}
	l.finished = true
	l.warnSamePriority()
}

// Paths loads every manifest file named, walking directories recursively
// (files ending in .yaml, .yml or .json, or in .yaml.gz, .yml.gz or
// .json.gz), into one snapshot with the default Options. It fails when a
// path cannot be read at all or when two objects with one identity differ;
// bad documents become snapshot Problems. The snapshot is not normalised.
func Paths(paths []string) (*snapshot.Snapshot, error) {
	l := New(strings.Join(paths, ","), Options{})
	for _, p := range paths {
		if err := l.Path(p); err != nil {
			return nil, err
		}
	}
	snap, _, err := l.Result()
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// FS loads every manifest of an fs.FS, as Paths does for a directory.
func FS(fsys fs.FS, source string) (*snapshot.Snapshot, error) {
	l := New(source, Options{})
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skipped(d.Name()) && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isManifest(p) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err == nil {
			data, err = gunzip(data)
		}
		if err != nil {
			return err
		}
		l.Bytes(p, data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", source, err)
	}
	snap, _, err := l.Result()
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// Reader loads manifests from a stream, named name in messages; a gzip
// stream is decompressed.
func (l *Loader) Reader(name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return l.gunzipBytes(name, data)
}

// Reader loads manifests from a stream into snap, named name in messages;
// a gzip stream is decompressed.
func Reader(snap *snapshot.Snapshot, name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err == nil {
		data, err = gunzip(data)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	Bytes(snap, name, data)
	return nil
}

// Bytes adds the objects of one file's content to snap with the default
// Options. name is used in messages. Malformed documents are recorded as
// Problems and skipped; so is an object that differs from another of the
// same identity in data, since Bytes cannot fail.
func Bytes(snap *snapshot.Snapshot, name string, data []byte) {
	l := newLoader(snap, Options{})
	l.conflictsAsProblems = true
	l.Bytes(name, data)
	l.finish()
}

// readFile reads one file, once per real path.
func (l *Loader) readFile(path string) error {
	real, err := realPath(path)
	if err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	return l.readReal(path, real, os.ReadFile)
}

// readReal reads the file at path, whose real path is real, once, with
// read.
func (l *Loader) readReal(path, real string, read func(string) ([]byte, error)) error {
	if l.read[real] {
		return nil
	}
	l.read[real] = true
	data, err := read(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return l.gunzipBytes(path, data)
}

func (l *Loader) problem(where, format string, args ...any) {
	l.snap.Problems = append(l.snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

func (l *Loader) warning(where, format string, args ...any) {
	l.snap.Warnings = append(l.snap.Warnings, snapshot.Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}
