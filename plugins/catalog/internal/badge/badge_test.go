package badge

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestSVG(t *testing.T) {
	tests := []struct{ label, message, color string }{
		{"Open in", "Coder", ColorCoder},
		{"Coder", "not configured", ColorDisabled},
		{"Coder", `<script>alert("x")</script> & co`, ColorError},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			svg := SVG(tt.label, tt.message, tt.color)
			var doc struct {
				XMLName xml.Name
				Width   int      `xml:"width,attr"`
				Title   string   `xml:"title"`
				Texts   []string `xml:"g>text"`
			}
			if err := xml.Unmarshal(svg, &doc); err != nil {
				t.Fatalf("not XML: %v\n%s", err, svg)
			}
			if doc.XMLName.Local != "svg" || doc.XMLName.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root = %v", doc.XMLName)
			}
			if want := tt.label + ": " + tt.message; doc.Title != want {
				t.Errorf("title = %q, want %q", doc.Title, want)
			}
			if len(doc.Texts) != 4 || doc.Texts[1] != tt.label || doc.Texts[3] != tt.message {
				t.Errorf("texts = %q", doc.Texts)
			}
			if doc.Width < textWidth(tt.label+tt.message) {
				t.Errorf("width %d is narrower than the text", doc.Width)
			}
			if bytes.Contains(svg, []byte("<script")) {
				t.Error("markup in the message is not escaped")
			}
			// Every token parses: no stray markup.
			dec := xml.NewDecoder(bytes.NewReader(svg))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	if a, b := SVG("Coder", "not configured", ColorDisabled), SVG("Open in", "Coder", ColorCoder); !strings.Contains(string(a), ColorDisabled) || strings.Contains(string(b), ColorDisabled) {
		t.Error("the variants do not differ in color")
	}
}
