// Package badge draws the shields-style "Open in Coder" SVG badges the catalog
// plugin serves for READMEs and entity links.
package badge

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Colors of the badge's message side.
const (
	ColorCoder    = "#1f6feb" // a workspace can be opened
	ColorDisabled = "#9f9f9f" // not configured or opted out
	ColorError    = "#e05d44" // unknown entity or invalid configuration
)

const height = 20

// SVG renders a two-part badge, label on grey and message on color, in the
// layout shields.io uses, so it sits well next to other README badges. Text
// is escaped; color must be a CSS color the caller controls.
func SVG(label, message, color string) []byte {
	lw, mw := textWidth(label)+10, textWidth(message)+10
	w := lw + mw
	title := label + ": " + message
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`, w, height, esc(title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	b.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	fmt.Fprintf(&b, `<clipPath id="r"><rect width="%d" height="%d" rx="3" fill="#fff"/></clipPath>`, w, height)
	fmt.Fprintf(&b, `<g clip-path="url(#r)"><rect width="%d" height="%d" fill="#555"/><rect x="%d" width="%d" height="%d" fill="%s"/><rect width="%d" height="%d" fill="url(#s)"/></g>`,
		lw, height, lw, mw, height, esc(color), w, height)
	b.WriteString(`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`)
	for _, part := range []struct {
		x    int
		text string
	}{{lw / 2, label}, {lw + mw/2, message}} {
		fmt.Fprintf(&b, `<text x="%d" y="15" fill="#010101" fill-opacity=".3">%s</text><text x="%d" y="14">%s</text>`,
			part.x, esc(part.text), part.x, esc(part.text))
	}
	b.WriteString(`</g></svg>`)
	return b.Bytes()
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// textWidth estimates the width in pixels of s in 11px Verdana, close enough
// for the badge to fit its text.
func textWidth(s string) int {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("il.,:;'|!ftjI ", r):
			w += 3.9
		case strings.ContainsRune("mwMW", r):
			w += 10.5
		case r >= 'A' && r <= 'Z':
			w += 7.6
		case r < 128:
			w += 6.6
		default:
			w += 8
		}
	}
	return int(w + 0.5)
}
