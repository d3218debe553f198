package imagetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Image is what the Dockerfile's final stage says about running the image.
type Image struct {
	Entrypoint, Cmd []string
	User            string
	Env             []string // KEY=value, in order
	Workdir         string
	// Copies are the final stage's COPY lines as written, and BuildRuns the
	// build stages' RUN lines.
	Copies, BuildRuns []string
}

// ReadDockerfile parses the repository's Dockerfile: enough of the syntax
// for the instructions Image holds (exec-form ENTRYPOINT and CMD, KEY=value
// ENV, line continuations, comments).
func ReadDockerfile() (*Image, error) {
	path := filepath.Join(RepoRoot(), "Dockerfile")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	var cur strings.Builder
	for _, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	var stages [][]string
	for _, l := range lines {
		if strings.HasPrefix(strings.ToUpper(l), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], l)
		}
	}
	if len(stages) < 2 {
		return nil, fmt.Errorf("%s: want a build stage and a final stage, found %d stages", path, len(stages))
	}
	img := &Image{}
	for _, stage := range stages[:len(stages)-1] {
		for _, l := range stage {
			if ins, rest := split(l); ins == "RUN" {
				img.BuildRuns = append(img.BuildRuns, rest)
			}
		}
	}
	for _, l := range stages[len(stages)-1] {
		ins, rest := split(l)
		switch ins {
		case "ENTRYPOINT", "CMD":
			var argv []string
			if err := json.Unmarshal([]byte(rest), &argv); err != nil {
				return nil, fmt.Errorf("%s: %s must be in exec form (a JSON array): %w", path, ins, err)
			}
			if ins == "ENTRYPOINT" {
				img.Entrypoint = argv
			} else {
				img.Cmd = argv
			}
		case "USER":
			img.User = rest
		case "WORKDIR":
			img.Workdir = rest
		case "ENV":
			img.Env = append(img.Env, strings.Fields(rest)...)
		case "COPY":
			img.Copies = append(img.Copies, rest)
		}
	}
	return img, nil
}

func split(line string) (instruction, rest string) {
	ins, rest, _ := strings.Cut(line, " ")
	return strings.ToUpper(ins), strings.TrimSpace(rest)
}
