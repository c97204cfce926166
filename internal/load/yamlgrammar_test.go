package load

import (
	"strings"
	"testing"
)

// FuzzFastYAMLGrammar holds the fast path to sigs.k8s.io/yaml on
// documents built from the fuzzer's bytes by a grammar of the YAML the
// fast path takes, with its edges: indentation, sequences indented or
// not, every scalar style folded over lines, block scalar indicators,
// flow collections, comments and blank lines. Byte mutations of real
// manifests seldom make such documents.
func FuzzFastYAMLGrammar(f *testing.F) {
	for _, seed := range []string{"", "\x00\x01\x02", "abcdefghijklmnop", "\xff\xfe\xfd\xfc\xfb\xfa", "0123456789012345678901234567890123456789"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, choices []byte) {
		g := grammar{choices: choices}
		var b strings.Builder
		g.mapping(&b, 0, 0, false)
		sameAsYAMLToJSON(t, []byte(b.String()))
	})
}

type grammar struct {
	choices []byte
	next    int
}

// pick returns a choice in [0, n), 0 once the bytes run out.
func (g *grammar) pick(n int) int {
	if g.next >= len(g.choices) {
		return 0
	}
	g.next++
	return int(g.choices[g.next-1]) % n
}

// The scalars and keys the grammar writes, the last few of each what
// the fast path leaves to sigs.k8s.io/yaml, picked seldom.
var (
	grammarScalars = []string{
		"a", "x y", "k:v", "-1", "0", "012", "0x1F", "1_000", "1.5", "1e3", ".5", "yes", "No", "on", "~", "null",
		"2024-01-02", "10.0.0.0/8", "a#b", "{a}", "a,b", "'q'", "\"d\"", "'it''s'", "\"e\\tf \\u00e9 \\x41\"",
		"\"\\\n  g\"", "'m\n\n  n'", "\"<&>\"", "p\n  q", "r\n\n  s", "''", "\"\"", "[]", "{}", "[a, 'b', 1]",
		"{a: 1, b: [c]}", "[{a: 1},\n  {b: 2}]", "|", "|-", "|+", ">", ">-", "|2", "é", "a - b", "- x", "x:",
		"-.inf", "@x", "k: v", "*a", "&a x", "!t x", "ü: x",
	}
	grammarKeys = []string{"a", "b", "c", "d", "e", "key", "name", "k:{\"x\":1}", "'q k'", "\"d k\"", ".", "f:x", "a b", "-k", "é",
		"1", "true", "<<"}
)

// rare picks from list, its last rare entries seldom.
func (g *grammar) rare(list []string, rare int) string {
	if g.pick(10) == 0 {
		return list[g.pick(len(list))]
	}
	return list[g.pick(len(list)-rare)]
}

func (g *grammar) scalar(b *strings.Builder, indent int) {
	s := g.rare(grammarScalars, 6)
	if strings.HasPrefix(s, "|") || strings.HasPrefix(s, ">") {
		b.WriteString(s)
		if g.pick(3) == 0 {
			b.WriteString(" # c")
		}
		b.WriteString("\n")
		pad := strings.Repeat(" ", indent+1+g.pick(3))
		for n := g.pick(4) + 1; n > 0; n-- {
			switch g.pick(4) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString(pad + "  more\n")
			default:
				b.WriteString(pad + "text # not a comment\n")
			}
		}
		return
	}
	b.WriteString(strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", indent+1)))
	b.WriteString([]string{"\n", " # c\n", "\n\n", "  \n"}[g.pick(4)])
}

func (g *grammar) value(b *strings.Builder, indent, depth int) {
	switch k := g.pick(6); {
	case depth > 4 || k < 3:
		b.WriteString(" ")
		g.scalar(b, indent)
	case k == 3:
		b.WriteString("\n")
		g.mapping(b, indent+1+g.pick(3), depth+1, false)
	default:
		b.WriteString("\n")
		g.sequence(b, indent+g.pick(3), depth+1)
	}
}

// mapping writes a block mapping in column indent; inline says its first
// key follows a sequence's "- " on the line.
func (g *grammar) mapping(b *strings.Builder, indent, depth int, inline bool) {
	for n := g.pick(4) + 1; n > 0; n-- {
		if !inline && g.pick(8) == 0 {
			b.WriteString(strings.Repeat(" ", g.pick(6)) + "# comment\n")
		}
		if !inline {
			b.WriteString(strings.Repeat(" ", indent))
		}
		inline = false
		b.WriteString(g.rare(grammarKeys, 3))
		b.WriteString(":")
		g.value(b, indent, depth)
	}
}

func (g *grammar) sequence(b *strings.Builder, indent, depth int) {
	for n := g.pick(4) + 1; n > 0; n-- {
		b.WriteString(strings.Repeat(" ", indent) + "-")
		switch k := g.pick(5); {
		case depth > 4 || k < 2:
			b.WriteString(" ")
			g.scalar(b, indent)
		case k == 2:
			b.WriteString(" ")
			g.mapping(b, indent+2, depth+1, true)
		case k == 3:
			b.WriteString("\n")
			g.mapping(b, indent+1+g.pick(3), depth+1, false)
		default:
			b.WriteString("\n")
			g.sequence(b, indent+1+g.pick(2), depth+1)
		}
	}
}
