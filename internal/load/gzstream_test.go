package load

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadStreamed loads in as one file, by gunzipBytes with every file big
// enough to stream and two workers, and as the usual way reads it
// (decompressed whole, then Bytes), and fails t unless the snapshots,
// their Problems and Warnings, the Stats and the errors are the same. It
// reports whether the stream took the file.
func loadStreamed(t *testing.T, name string, in []byte) (streamed bool) {
	t.Helper()
	defer func(n int) { streamFrom = n }(streamFrom)
	streamFrom = 0
	s := New("x", Options{})
	s.workers = 2
	errS := s.gunzipBytes(name, in)
	snapS, statsS, resS := s.Result()

	u := New("x", Options{})
	data, errU := gunzip(in)
	if errU == nil {
		u.Bytes(name, data)
	} else {
		errU = fmt.Errorf("read %s: %w", name, errU)
	}
	snapU, statsU, resU := u.Result()

	sumS := fmt.Sprintf("err %v, stats %+v, result %v", errS, statsS, resS)
	sumU := fmt.Sprintf("err %v, stats %+v, result %v", errU, statsU, resU)
	if sumS != sumU || !reflect.DeepEqual(snapS, snapU) {
		t.Fatalf("%s: the stream differs from the usual way:\nstream: %s\nusual:  %s\ncounts (-usual +stream): %s\nproblems (-usual +stream): %s\ninput: %.300q",
			name, sumS, sumU, cmp.Diff(snapU.Counts(), snapS.Counts()), cmp.Diff(snapU.Problems, snapS.Problems), in)
	}
	return s.streamed > 0
}

// lineForm rewrites a compact List of one line as snapshot -o json
// writes it: its first line up to the items' '[', an item a line, the
// rest from the ']'.
func lineForm(t *testing.T, c string) (string, bool) {
	ch := jsonBracketItems([]byte(c))
	if ch == nil || len(ch.starts) == 0 {
		return "", false
	}
	items := make([]string, len(ch.starts))
	for k := range ch.starts {
		items[k] = c[ch.starts[k]:ch.ends[k]]
	}
	return c[:ch.starts[0]] + "\n" + strings.Join(items, ",\n") + "\n" + c[ch.ends[len(ch.ends)-1]:], true
}

func TestStreamIsUsual(t *testing.T) {
	cluster := string(clusterCompactJSON(t, clusterObjects(300, true)))
	for _, tc := range []struct {
		name   string
		in     string
		stream bool // the stream takes it
	}{
		{"a cluster", cluster, true},
		{"a cluster without a last newline", strings.TrimSuffix(cluster, "\n"), true},
		{"one item", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}` + "\n]}", true},
		{"keys after the items", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}` + "\n" + `],"metadata":{"resourceVersion":"7"}}`, true},
		{"a list of one kind", `{"apiVersion":"v1","kind":"NamespaceList","items":[` + "\n" + `{"metadata":{"name":"a"}}` + "\n]}", true},
		{"no items", `{"apiVersion":"v1","kind":"List","items":[` + "\n]}", false},
		{"all on one line", compactItems("List", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`), false},
		{"indented", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}\n  ]\n}\n", false},
		{"yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n" + badObjects, false},
		{"two items a line", strings.Replace(cluster, "},\n{", "},{", 1), false},
		{"a comma after the last item", strings.Replace(cluster, "}\n]}", "},\n]}", 1), false},
		{"a missing comma", strings.Replace(cluster, "},\n{", "}\n{", 1), false},
		{"an empty line", strings.Replace(cluster, "},\n{", "},\n\n{", 1), false},
		{"CR LF", strings.ReplaceAll(cluster, "\n", "\r\n"), false},
		{"a CR at the end", cluster + "\r", false},
		{"braces", strings.Replace(cluster, `"name":`, `"name":"{{ .Values.name }}","x":`, 1), false},
		{"a helm template", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{ .Values.ns }}"}}` + "\n]}", false},
		{"an item cut short", strings.Replace(cluster, "},\n{", ",\n{", 1), false},
		{"an item not an object", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}},` + "\n5\n]}", false},
		{"a second List after", cluster + cluster, false},
		{"bad JSON after the items", strings.TrimSuffix(cluster, "]}\n") + "]x}\n", false},
		{"a conflict", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","labels":{"x":"1"}}},` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","labels":{"x":"2"}}}` + "\n]}", true},
		{"an unknown kind", `{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"a"}}` + "\n]}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, zipped := range []bool{false, true} {
				in := []byte(tc.in)
				if zipped {
					in = gz(t, tc.in)
				}
				if got := loadStreamed(t, "in.json", in); got != tc.stream {
					t.Errorf("gzip'd %v: streamed %v, want %v", zipped, got, tc.stream)
				}
			}
		})
	}
	t.Run("compact cases", func(t *testing.T) {
		for i, c := range compactCases {
			if lf, ok := lineForm(t, c); ok {
				loadStreamed(t, fmt.Sprintf("case%d.json", i), gz(t, lf))
			}
		}
	})
	t.Run("gzip", func(t *testing.T) {
		zipped := gz(t, cluster)
		loadStreamed(t, "cut.json.gz", zipped[:len(zipped)/2])
		bad := bytes.Clone(zipped)
		bad[len(bad)-8] ^= 0xff // the checksum: the error comes at the end
		loadStreamed(t, "bad.json.gz", bad)
		if loadStreamed(t, "two.json.gz", append(gz(t, cluster[:len(cluster)/3]), gz(t, cluster[len(cluster)/3:])...)) != true {
			t.Error("two members, whose trailer says less than the whole: not streamed")
		}
	})
}

// TestStreamMutated loads random changes of a compact cluster, gzip'd,
// both ways: whatever the change, the stream reads what the usual way
// reads.
func TestStreamMutated(t *testing.T) {
	cluster := clusterCompactJSON(t, clusterObjects(40, true))
	rng := rand.New(rand.NewSource(1))
	bits := []string{"\n", ",", "{", "}", "[", "]", `"`, "\r", " ", "{{ .Values.x }}", `\`, "é", "\x00", ",\n{}", "\n]}\n"}
	streamed := 0
	n := 400
	if testing.Short() {
		n = 60
	}
	for i := range n {
		in := bytes.Clone(cluster)
		for range 1 + rng.Intn(3) {
			at := rng.Intn(len(in))
			switch rng.Intn(3) {
			case 0:
				in = append(in[:at:at], append([]byte(bits[rng.Intn(len(bits))]), in[at:]...)...)
			case 1:
				in = append(in[:at:at], in[min(len(in), at+1+rng.Intn(8)):]...)
			default:
				in[at] = bits[rng.Intn(len(bits))][0]
			}
		}
		if loadStreamed(t, fmt.Sprintf("m%d.json.gz", i), gz(t, string(in))) {
			streamed++
		}
	}
	if streamed == 0 || streamed == n {
		t.Errorf("%d of %d changed clusters streamed: want some of each way", streamed, n)
	}
}

// FuzzStream holds the stream to the usual way on any input, gzip'd and
// not.
func FuzzStream(f *testing.F) {
	f.Add(clusterCompactJSON(f, clusterObjects(5, true)))
	f.Add([]byte(`{"apiVersion":"v1","kind":"List","items":[` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}` + "\n]}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		loadStreamed(t, "in.json", in)
		loadStreamed(t, "in.json.gz", gz(t, string(in)))
	})
}
