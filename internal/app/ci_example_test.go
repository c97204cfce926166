package app

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/render"
)

// workflow is the part of a GitHub Actions workflow the example test reads.
type workflow struct {
	On   map[string]any    `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// runnerEnv are the variables GitHub's runner sets for every step.
var runnerEnv = map[string]string{
	"GITHUB_STEP_SUMMARY": "/summary", "GITHUB_ENV": "/env", "GITHUB_OUTPUT": "/output",
	"GITHUB_WORKSPACE": "/workspace", "RUNNER_TEMP": "/tmp",
}

// scriptCommand is one bulkhead invocation of a step's script.
type scriptCommand struct {
	step   string
	args   []string // after "bulkhead"
	stdout string   // the file > redirects it to
}

// TestCIExample runs every bulkhead command line of
// examples/ci/github-actions.yaml through the real command tree's flag and
// argument parsing and the formats each command declares, and checks the
// workflow does what the README says: SARIF uploaded from the file the
// audit wrote, the Markdown summary commented, a --baseline gate written
// by an earlier -o json audit. A flag or format the CLI lacks fails it,
// by name.
func TestCIExample(t *testing.T) {
	const path = "../../examples/ci/github-actions.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Errorf("the workflow does not run on pull_request: on %v", wf.On)
	}
	var lines []scriptCommand
	uploads, comments := map[string]bool{}, ""
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			if strings.HasPrefix(step.Uses, "github/codeql-action/upload-sarif@") {
				uploads[step.With["sarif_file"]] = true
			}
			if strings.Contains(step.Run, "gh pr comment") {
				comments += step.Run
			}
			env := map[string]string{}
			for k, v := range runnerEnv {
				env[k] = v
			}
			for k, v := range wf.Env {
				env[k] = v
			}
			for k, v := range step.Env {
				env[k] = v
			}
			found, err := bulkheadLines(step.Run, env)
			if err != nil {
				t.Errorf("step %q: %v", step.Name, err)
			}
			for _, l := range found {
				l.step = step.Name
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		t.Fatal("no bulkhead command line in the workflow")
	}
	var missing []string
	formats := map[render.Format][]scriptCommand{}
	var baselines []string
	jsonReports := map[string]bool{}
	for _, l := range lines {
		parsed, err := parseLine(l.args)
		if err != nil {
			missing = append(missing, fmt.Sprintf("step %q: bulkhead %s: %v", l.step, strings.Join(l.args, " "), err))
			continue
		}
		formats[parsed.output] = append(formats[parsed.output], l)
		if parsed.output == render.FormatJSON && l.stdout != "" {
			jsonReports[l.stdout] = true
		}
		if parsed.baseline != "" {
			baselines = append(baselines, parsed.baseline)
		}
	}
	for _, want := range []render.Format{"sarif", "markdown"} {
		if len(formats[want]) == 0 && !strings.Contains(strings.Join(missing, "\n"), "-o "+string(want)) {
			missing = append(missing, fmt.Sprintf("no bulkhead audit -o %s in the workflow", want))
		}
	}
	for _, l := range formats["sarif"] {
		if l.stdout == "" || !uploads[l.stdout] {
			t.Errorf("step %q writes SARIF to %q, which no upload-sarif step uploads (%v)", l.step, l.stdout, uploads)
		}
	}
	for _, l := range formats["markdown"] {
		if l.stdout == "" || !strings.Contains(comments, "--body-file "+l.stdout) {
			t.Errorf("step %q writes Markdown to %q, which no gh pr comment step posts", l.step, l.stdout)
		}
	}
	if len(baselines) == 0 && !strings.Contains(strings.Join(missing, "\n"), "--baseline") {
		missing = append(missing, "no bulkhead audit --baseline gate in the workflow")
	}
	for _, b := range baselines {
		if !jsonReports[b] {
			t.Errorf("--baseline %s: no bulkhead audit -o json writes it", b)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s uses what bulkhead does not accept:\n  %s", path, strings.Join(missing, "\n  "))
	}
}

// parsedLine is what the example test needs of a parsed command line.
type parsedLine struct {
	output   render.Format
	baseline string
}

// parseLine parses args as bulkhead would, without running the command:
// the subcommand, its flags and arguments, -o against the formats the
// command declares, --fail-on against the severities.
func parseLine(args []string) (parsedLine, error) {
	var p parsedLine
	root := NewRootCommand(cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	cmd, rest, err := root.Find(args)
	if err != nil {
		return p, err
	}
	if cmd == root {
		return p, fmt.Errorf("no subcommand")
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return p, err
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		return p, err
	}
	if o := cmd.Flags().Lookup("output"); o != nil {
		p.output = render.Format(o.Value.String())
		fs := formatsOf(cmd)
		if fs == nil {
			return p, fmt.Errorf("%s declares no formats in render", cmd.Name())
		}
		if err := fs.Check(p.output); err != nil {
			return p, fmt.Errorf("-o %s: %w", p.output, err)
		}
	}
	if f := cmd.Flags().Lookup("fail-on"); f != nil {
		if _, err := finding.ParseSeverity(f.Value.String()); err != nil {
			return p, fmt.Errorf("--fail-on: %w", err)
		}
	}
	if b := cmd.Flags().Lookup("baseline"); b != nil {
		p.baseline = b.Value.String()
	}
	return p, nil
}

// bulkheadLines finds the bulkhead commands of a step's shell script:
// lines joined at a trailing backslash, split into words as the shell
// does (quotes, $VAR and ${VAR} from env), a command starting at the
// line's start, after ; && || | or then, else, do.
func bulkheadLines(script string, env map[string]string) ([]scriptCommand, error) {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out []scriptCommand
	for _, line := range strings.Split(script, "\n") {
		words, err := shellWords(line, env)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		start := true
		for i := 0; i < len(words); i++ {
			w := words[i]
			switch {
			case w.op:
				start = w.text != ">" && w.text != "<" && w.text != ">>"
				continue
			case start && (w.text == "then" || w.text == "else" || w.text == "do"):
				continue
			case !start || w.text != "bulkhead":
				start = false
				continue
			}
			l := scriptCommand{}
			for i++; i < len(words) && !words[i].op; i++ {
				l.args = append(l.args, words[i].text)
			}
			if i+1 < len(words) && words[i].text == ">" && !words[i+1].op {
				l.stdout = words[i+1].text
			}
			i--
			out = append(out, l)
			start = false
		}
	}
	return out, nil
}

// word is a shell word or an operator.
type word struct {
	text string
	op   bool
}

// shellWords splits a line of POSIX shell into words and operators, enough
// for command lines in CI scripts; a comment ends it.
func shellWords(line string, env map[string]string) ([]word, error) {
	var out []word
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			out = append(out, word{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	expand := func(i int) (int, error) {
		// line[i] is '$'.
		rest := line[i+1:]
		name := ""
		switch {
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return 0, fmt.Errorf("unterminated ${")
			}
			name = rest[1:end]
			i += end + 2
		default:
			n := 0
			for n < len(rest) && (rest[n] == '_' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= 'a' && rest[n] <= 'z' || n > 0 && rest[n] >= '0' && rest[n] <= '9') {
				n++
			}
			if n == 0 {
				return 0, fmt.Errorf("unsupported $ at %d", i)
			}
			name = rest[:n]
			i += n + 1
		}
		v, ok := env[name]
		if !ok {
			return 0, fmt.Errorf("$%s is not set by the workflow", name)
		}
		cur.WriteString(v)
		inWord = true
		return i, nil
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
			i++
		case c == '#' && !inWord:
			flush()
			return out, nil
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated '")
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 2
		case c == '"':
			inWord = true
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '$' {
					var err error
					if i, err = expand(i); err != nil {
						return nil, err
					}
					continue
				}
				cur.WriteByte(line[i])
				i++
			}
			if i == len(line) {
				return nil, fmt.Errorf("unterminated \"")
			}
			i++
		case c == '$':
			var err error
			if i, err = expand(i); err != nil {
				return nil, err
			}
		case strings.ContainsRune(";&|<>", rune(c)):
			flush()
			op := string(c)
			if i+1 < len(line) && (line[i+1] == c) {
				op += string(c)
			}
			out = append(out, word{text: op, op: true})
			i += len(op)
		default:
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	flush()
	return out, nil
}

// TestBulkheadLines holds the example test's reading of shell lines.
func TestBulkheadLines(t *testing.T) {
	env := map[string]string{"M": "manifests/", "PR": "7"}
	tests := []struct {
		script string
		want   []scriptCommand
	}{
		{`bulkhead audit -f "$M" -o sarif > out.sarif`, []scriptCommand{{args: []string{"audit", "-f", "manifests/", "-o", "sarif"}, stdout: "out.sarif"}}},
		{"if [ -f b ]; then\n  bulkhead audit -f ${M} --baseline b.json\nelse\n  bulkhead audit -f 'a b'\nfi", []scriptCommand{
			{args: []string{"audit", "-f", "manifests/", "--baseline", "b.json"}},
			{args: []string{"audit", "-f", "a b"}},
		}},
		{"bulkhead audit \\\n  --demo | tee x && echo bulkhead audit", []scriptCommand{{args: []string{"audit", "--demo"}}}},
		{"gh pr comment \"$PR\" --body-file x.md # bulkhead audit", nil},
		{"cat bulkhead.md >> \"$M\"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.script, func(t *testing.T) {
			got, err := bulkheadLines(tc.script, env)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := bulkheadLines(`bulkhead audit -f "$UNSET"`, env); err == nil {
		t.Error("an unset variable is not an error")
	}
}
