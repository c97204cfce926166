package load

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// badObjects is two namespaces and, at line 9, a document the loader
// skips: its message must name the file and that line of the
// decompressed text.
const badObjects = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n---\nkind: [\n"

func TestGunzip(t *testing.T) {
	valid := gz(t, "kind: List\n")
	twoMembers := append(gz(t, "a: 1\n"), gz(t, "b: 2\n")...)
	badChecksum := bytes.Clone(valid)
	badChecksum[len(badChecksum)-8] ^= 0xff // the CRC-32 of the trailer
	badSize := bytes.Clone(valid)
	badSize[len(badSize)-1] = 0xff // ISIZE: 4 GB of input, says the trailer
	for _, tc := range []struct {
		name    string
		in      []byte
		want    string
		wantErr string
	}{
		{name: "plain yaml", in: []byte("kind: List\n"), want: "kind: List\n"},
		{name: "plain json", in: []byte(`{"kind":"List"}`), want: `{"kind":"List"}`},
		{name: "empty", in: nil, want: ""},
		{name: "one byte of the magic", in: []byte{0x1f}, want: "\x1f"},
		{name: "gzip", in: valid, want: "kind: List\n"},
		{name: "empty gzip", in: gz(t, ""), want: ""},
		{name: "two members", in: twoMembers, want: "a: 1\nb: 2\n"},
		{name: "a wrong size in the trailer", in: badSize, wantErr: "corrupt gzip stream: gzip: invalid checksum"},
		{name: "magic only", in: []byte{0x1f, 0x8b}, wantErr: "corrupt gzip stream: unexpected EOF"},
		{name: "bad header", in: []byte{0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 0}, wantErr: "corrupt gzip stream: gzip: invalid header"},
		{name: "cut short", in: valid[:len(valid)-5], wantErr: "corrupt gzip stream: unexpected EOF"},
		{name: "bad checksum", in: badChecksum, wantErr: "corrupt gzip stream: gzip: invalid checksum"},
		{name: "corrupt body", in: append(bytes.Clone(valid[:10]), 0xff, 0xff, 0xff, 0xff), wantErr: "corrupt gzip stream: flate: corrupt input before offset 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gunzip(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestGzipInput reads compressed input every way a user gives it: a
// .gz file, a compressed file whose name does not say so, a directory's
// .yaml.gz and .json.gz files (other .gz files left alone) and stdin.
// Objects are those of the plain text, and messages name the file and the
// line of the decompressed text.
func TestGzipInput(t *testing.T) {
	dir := t.TempDir()
	writeGz := func(path, content string) string {
		t.Helper()
		path = filepath.Join(dir, path)
		write(t, path, string(gz(t, content)))
		return path
	}
	json := `{"apiVersion":"v1","kind":"List","items":[` + "\n" +
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"c"}},` + "\n" +
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"d","labels":{"x":"@"}}}` + "\n]}\n"
	for _, tc := range []struct {
		name     string
		read     func(l *Loader) error
		want     []string
		problems []string
	}{
		{
			name:     "a .yaml.gz file",
			read:     func(l *Loader) error { return l.Path(writeGz("one/cluster.yaml.gz", badObjects)) },
			want:     []string{"a", "b"},
			problems: []string{"DIR/one/cluster.yaml.gz:9: invalid YAML"},
		},
		{
			name: "a compressed file named .json",
			read: func(l *Loader) error { return l.Path(writeGz("two/cluster.json", json)) },
			want: []string{"c"},
			// The second item has an invalid label value.
			problems: []string{"DIR/two/cluster.json:1 items[1]: Namespace d refused"},
		},
		{
			name: "a directory",
			read: func(l *Loader) error {
				writeGz("three/a.yaml.gz", ns("e"))
				writeGz("three/sub/b.JSON.GZ", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f"}}`)
				writeGz("three/notes.txt.gz", "not a manifest")
				writeGz("three/backup.gz", ns("not-read"))
				write(t, filepath.Join(dir, "three", "c.yaml"), ns("g"))
				return l.Path(filepath.Join(dir, "three"))
			},
			want: []string{"e", "g", "f"}, // in name order: a.yaml.gz, c.yaml, sub/
		},
		{
			name:     "stdin",
			read:     func(l *Loader) error { return l.Reader("<stdin>", bytes.NewReader(gz(t, badObjects))) },
			want:     []string{"a", "b"},
			problems: []string{"<stdin>:9: invalid YAML"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New("t", Options{})
			if err := tc.read(l); err != nil {
				t.Fatal(err)
			}
			snap, _, err := l.Result()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, n := range snap.Namespaces {
				names = append(names, n.Name)
			}
			if d := cmp.Diff(tc.want, names); d != "" {
				t.Errorf("namespaces (-want +got):\n%s", d)
			}
			if len(snap.Problems) != len(tc.problems) {
				t.Fatalf("problems %v, want %d", snap.Problems, len(tc.problems))
			}
			for i, p := range snap.Problems {
				if got := strings.ReplaceAll(p.String(), dir, "DIR"); !strings.HasPrefix(got, tc.problems[i]) {
					t.Errorf("problem %q, want it to start with %q", got, tc.problems[i])
				}
			}
		})
	}
}

// TestCorruptGzipFails: a compressed file or stream that does not
// decompress whole fails the load with an error naming it, as an
// unreadable file does; a partial file would lose objects silently.
func TestCorruptGzipFails(t *testing.T) {
	dir := t.TempDir()
	data := gz(t, badObjects)
	cut := data[:len(data)/2]
	file := filepath.Join(dir, "cluster.yaml.gz")
	if err := os.WriteFile(file, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "walked", "x.json.gz"), string(cut))
	for _, tc := range []struct {
		name string
		read func(l *Loader) error
		want string
	}{
		{"file", func(l *Loader) error { return l.Path(file) }, "read DIR/cluster.yaml.gz: corrupt gzip stream: unexpected EOF"},
		{"directory", func(l *Loader) error { return l.Path(filepath.Join(dir, "walked")) }, "read DIR/walked/x.json.gz: corrupt gzip stream: unexpected EOF"},
		{"stdin", func(l *Loader) error { return l.Reader("<stdin>", bytes.NewReader(cut)) }, "read <stdin>: corrupt gzip stream: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(New("t", Options{}))
			if err == nil || strings.ReplaceAll(err.Error(), dir, "DIR") != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzGunzip feeds the gzip path anything: it never panics, input without
// the magic bytes passes unchanged, and what decompresses is what the
// standard reader reads. Loading the result names the stream in every
// error.
func FuzzGunzip(f *testing.F) {
	valid := gz(f, badObjects)
	f.Add(valid)
	f.Add(gz(f, ""))
	f.Add(append(gz(f, "a: 1\n"), gz(f, "b: 2\n")...))
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte(badObjects))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := gunzip(data)
		if !isGzip(data) {
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("plain input changed: %q, %v", got, err)
			}
			return
		}
		zr, zerr := gzip.NewReader(bytes.NewReader(data))
		var want []byte
		if zerr == nil {
			want, zerr = io.ReadAll(zr)
		}
		if (err == nil) != (zerr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Fatalf("gunzip %q, %v; the standard reader %q, %v", got, err, want, zerr)
		}
		l := New("t", Options{})
		if err := l.Reader("in.gz", bytes.NewReader(data)); err != nil && !strings.HasPrefix(err.Error(), "read in.gz: corrupt gzip stream: ") {
			t.Fatalf("error %q does not name the stream", err)
		}
		_, _, _ = l.Result()
	})
}
