package load

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Path loads a file, or every manifest below a directory (files ending in
// .yaml, .yml or .json, gzip-compressed ones in .yaml.gz, .yml.gz or
// .json.gz, in name order). Gzip input is decompressed, told by its magic
// bytes, not by its name. Symlinks, given or met in a walk, are followed;
// a link back to a directory being walked is a Problem naming it, never an
// endless walk. Entries named "..*" are skipped: a ConfigMap mounted as a
// volume holds its files twice, in "..data" and in a "..2024_..."
// directory, beside the links that name them. A directory holding a
// Chart.yaml is a Helm chart: one Problem, nothing read.
func (l *Loader) Path(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("load %s: %w", p, err)
	}
	if !st.IsDir() {
		return l.readFile(p)
	}
	real, err := realPath(p)
	if err != nil {
		return fmt.Errorf("load %s: %w", p, err)
	}
	if l.read[real] {
		return nil
	}
	l.read[real] = true
	return l.walkDir(p, []walked{{p, real}})
}

// walked is a directory on the path of a walk: as named, and resolved.
type walked struct{ name, real string }

func (l *Loader) walkDir(dir string, stack []walked) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("load %s: %w", dir, err)
	}
	if isChart(entries) {
		l.skip(dir, "a Helm chart (it has a Chart.yaml): templates are not manifests; render it and pipe the output instead: helm template RELEASE %s | bulkhead audit -f -", dir)
		return nil
	}
	for _, e := range entries {
		if skipped(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				l.skip(p, "unreadable symlink: %v", unwrapPath(err))
				continue
			}
			isDir = st.IsDir()
		}
		if !isDir {
			if !isManifest(p) {
				continue
			}
			if e.Type()&fs.ModeSymlink != 0 {
				err = l.readFile(p)
			} else {
				// Not a link: its real path is its directory's and its name,
				// with no system call.
				err = l.readReal(p, filepath.Join(stack[len(stack)-1].real, e.Name()), os.ReadFile)
			}
			if err != nil {
				return err
			}
			continue
		}
		real, err := realPath(p)
		if err != nil {
			return fmt.Errorf("load %s: %w", p, err)
		}
		if loop := ancestor(stack, real); loop != "" {
			l.skip(p, "symlink loop: %s leads back to %s, which is being read; not followed", p, loop)
			continue
		}
		if l.read[real] {
			continue // reached before through another link
		}
		l.read[real] = true
		if err := l.walkDir(p, append(stack, walked{p, real})); err != nil {
			return err
		}
	}
	return nil
}

// ancestor returns the name of the directory of stack that real is, or "".
func ancestor(stack []walked, real string) string {
	for _, w := range stack {
		if w.real == real {
			return w.name
		}
	}
	return ""
}

func isChart(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if e.Name() == "Chart.yaml" && !e.IsDir() {
			return true
		}
	}
	return false
}

// skipped reports whether a directory entry is one a walk leaves out:
// "..data" and "..2024_..." of a ConfigMap-mounted volume.
func skipped(name string) bool { return strings.HasPrefix(name, "..") }

// isManifest reports whether a walk reads the file p: YAML or JSON by its
// extension, gzip-compressed (name.yaml.gz) or not. Any file named on
// the command line is read, compressed or not, whatever its name.
func isManifest(p string) bool {
	p = strings.ToLower(p)
	p = strings.TrimSuffix(p, ".gz")
	switch filepath.Ext(p) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// realPath resolves every symlink of p and makes it absolute.
func realPath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	return filepath.Abs(r)
}

// unwrapPath drops the "stat PATH:" of an fs.PathError, whose path the
// message names already.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
