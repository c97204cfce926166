package load

// The fast converters as functions, for the tests and fuzzers that hold
// them to the reference path.

// compactJSON appends src, a JSON object, compacted and spelled as
// sigs.k8s.io/yaml's YAMLToJSONStrict would write it (but for the order
// of keys), without going through YAML. It reports false for JSON that
// YAML does not read as the same value, or reads at all: numbers other
// than integers (YAML drops the ".0" of 1.0), the escapes \/ and
// surrogates, characters YAML refuses or reads as line breaks, keys far
// from or on another line than their ':', duplicate keys, tabs and CRs;
// and for anything that is not JSON. Those documents go the YAML way.
func compactJSON(dst, src []byte) ([]byte, bool) {
	c := jconv{src: src, out: dst}
	if !c.convert() {
		return dst, false
	}
	return c.out, true
}

// yamlToJSON appends the JSON of one YAML document to dst, as
// sigs.k8s.io/yaml's YAMLToJSONStrict would write it but for the order of
// keys, for the YAML that kubectl, Helm and people write: block mappings
// and sequences (sequences indented or not), plain, single- and
// double-quoted scalars on one line or folded over several, literal and
// folded block scalars, flow mappings and sequences, comments, and YAML
// 1.1 typing of plain scalars. It reports false for anything else (tabs,
// CR line ends, anchors, aliases, tags, complex or non-string keys, merge
// keys, duplicate keys, directives, a root that is not a mapping, and
// every YAML error), leaving that document to sigs.k8s.io/yaml, whose
// result and messages are then the loader's. FuzzFastYAML holds the two
// to the same JSON.
func yamlToJSON(dst, src []byte) ([]byte, bool) {
	c := yconv{src: src, out: dst}
	if !c.convert() {
		return dst, false
	}
	return c.out, true
}
