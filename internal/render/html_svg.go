package render

import (
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// The path graph's geometry, in pixels: its labels are set in a 12px
// monospace font, whose characters are charWidth wide.
const (
	charWidth  = 7.25
	boxHeight  = 26
	hopHeight  = 44 // from one box's bottom to the next one's top
	svgMargin  = 6
	edgeIndent = 22 // the arrow's distance from the boxes' left edge
	labelMax   = 90 // characters of an edge label; its title has them all
)

// pathSVG draws an attack path as a small graph in inline SVG: a box per
// vertex, top to bottom, and between two boxes an arrow labelled with the
// step (its type and detail), coloured by its layer. The page's style
// sheet colours the classes.
func pathSVG(p *attackpath.Path) template.HTML {
	if p == nil || len(p.Hops) == 0 {
		return ""
	}
	vertices := []attackpath.Vertex{p.Hops[0].From}
	for _, h := range p.Hops {
		vertices = append(vertices, h.To)
	}
	width := 0.0
	for _, v := range vertices {
		width = max(width, textWidth(v.String())+16)
	}
	labels := make([]string, len(p.Hops))
	for i, h := range p.Hops {
		labels[i] = edgeLabel(h)
		width = max(width, edgeIndent+14+textWidth(clip(labels[i], labelMax)))
	}
	height := len(vertices)*boxHeight + len(p.Hops)*hopHeight
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="path" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%d" viewBox="0 0 %.0f %d" role="img" aria-label="attack path">`,
		width+2*svgMargin, height+2*svgMargin, width+2*svgMargin, height+2*svgMargin)
	y := svgMargin
	for i, v := range vertices {
		fmt.Fprintf(&b, `<g class="v k-%s"><rect x="%d" y="%d" width="%.0f" height="%d" rx="5"/><text x="%d" y="%d">%s</text></g>`,
			esc(strings.ToLower(string(v.Kind))), svgMargin, y, textWidth(v.String())+16, boxHeight, svgMargin+8, y+17, esc(v.String()))
		y += boxHeight
		if i == len(p.Hops) {
			break
		}
		h := p.Hops[i]
		x := svgMargin + edgeIndent
		fmt.Fprintf(&b, `<g class="e l-%s"><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d"/><polygon points="%d,%d %d,%d %d,%d"/><text x="%d" y="%d">%s</text></g>`,
			esc(string(h.Layer)), esc(labels[i]), x, y, x, y+hopHeight-7,
			x-5, y+hopHeight-8, x+5, y+hopHeight-8, x, y+hopHeight-1,
			x+12, y+hopHeight/2+4, esc(clip(labels[i], labelMax)))
		y += hopHeight
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// edgeLabel is a hop's step as the text report says it: its type, and
// its detail in parentheses.
func edgeLabel(h attackpath.Hop) string {
	if h.Detail == "" {
		return string(h.Type)
	}
	return string(h.Type) + " (" + h.Detail + ")"
}

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charWidth }

func esc(s string) string { return template.HTMLEscapeString(s) }
