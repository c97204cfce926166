package dns

import (
	"bufio"
	"strings"
)

// kubernetesPlugin is one "kubernetes" block of a Corefile.
type kubernetesPlugin struct {
	Server string   // the server block's keys, e.g. ".:53"
	Line   int      // line of the plugin directive, from 1
	Zones  []string // zones the plugin is authoritative for
	// Pods is the "pods" option: "disabled" (the default), "insecure" or
	// "verified".
	Pods     string
	PodsLine int
}

// parseCorefile finds the kubernetes plugin blocks of a Corefile. It reads
// the subset of Caddyfile syntax Corefiles use: server blocks of
// directives, directive blocks in braces, "#" comments.
func parseCorefile(text string) []kubernetesPlugin {
	var out []kubernetesPlugin
	var server string
	depth := 0
	var cur *kubernetesPlugin
	curDepth := -1
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		toks := strings.Fields(l)
		if len(toks) == 0 {
			continue
		}
		opens := toks[len(toks)-1] == "{"
		if opens {
			toks = toks[:len(toks)-1]
		}
		if len(toks) > 0 && toks[0] == "}" {
			depth--
			if cur != nil && depth == curDepth {
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		switch {
		case depth == 0 && opens:
			server = strings.Join(toks, " ")
		case depth == 1 && len(toks) > 0 && toks[0] == "kubernetes":
			k := kubernetesPlugin{Server: server, Line: line, Zones: toks[1:], Pods: "disabled"}
			if opens {
				cur, curDepth = &k, depth
			} else {
				out = append(out, k)
			}
		case cur != nil && depth == curDepth+1 && len(toks) >= 2 && toks[0] == "pods":
			cur.Pods, cur.PodsLine = strings.ToLower(toks[1]), line
		}
		if opens {
			depth++
		}
	}
	if cur != nil { // unterminated block: keep what was read
		out = append(out, *cur)
	}
	return out
}

// reverseZones returns the zones of a plugin that serve PTR records.
func (k kubernetesPlugin) reverseZones() []string {
	var out []string
	for _, z := range k.Zones {
		z = strings.ToLower(strings.TrimSuffix(z, "."))
		if strings.HasSuffix(z, "in-addr.arpa") || strings.HasSuffix(z, "ip6.arpa") {
			out = append(out, z)
		}
	}
	return out
}
