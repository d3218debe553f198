package scripting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

const testUsage = `usage: coderhost script test --hook HOOK --file FILE.js --input INPUT.json [flags]

Runs one hook script on a JSON input and prints its result as JSON.

  --hook HOOK        signin or workspace_params
  --file FILE.js     the script
  --input FILE.json  the hook's input: a Coder profile for signin,
                     {"entity": ..., "config": {...}} for workspace_params
  --catalog DIR      serve ctx.catalog from DIR/*.yaml (Backstage catalog files)
  --script NAME      the script's name (default: the file name without .js)
  --timeout D        the call's deadline (default 100ms)

Exit status: 0 on success, 1 when the script fails, 2 on bad usage.
`

// TestCommand implements `coderhost script test`. It prints the result as
// indented JSON on stdout (console output and errors go to stderr) and
// returns the exit status: 0 success, 1 script error, 2 bad usage.
func TestCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("script test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hook := fs.String("hook", "", "")
	file := fs.String("file", "", "")
	input := fs.String("input", "", "")
	catalogDir := fs.String("catalog", "", "")
	name := fs.String("script", "", "")
	timeout := fs.Duration("timeout", DefaultTimeout, "")
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "coderhost script test: "+format+"\n\n%s", append(a, testUsage)...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, testUsage)
			return 0
		}
		return usage("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *hook == "" || *file == "" || *input == "":
		return usage("--hook, --file and --input are required")
	case hookSpecs[*hook].result == nil:
		return usage("unknown hook %q (want one of %s)", *hook, strings.Join(Hooks, ", "))
	case *timeout <= 0:
		return usage("--timeout must be positive")
	}
	in, err := os.ReadFile(*input)
	if err != nil {
		return usage("reading the input: %v", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(in, &obj); err != nil || obj == nil {
		return usage("the input %s must hold a JSON object: %v", *input, err)
	}
	if err := hookSpecs[*hook].checkInput(obj); err != nil {
		return usage("the input %s: %v", *input, err)
	}
	opts := Options{
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PoolSize:    1,
		MaxOverflow: -1,
	}
	if *catalogDir != "" {
		cat, err := loadCatalogDir(*catalogDir)
		if err != nil {
			return usage("--catalog: %v", err)
		}
		opts.Catalog = cat
	}
	path, err := filepath.Abs(*file)
	if err != nil {
		return usage("%v", err)
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	e := NewEngine(opts)
	// The engine would log its own progress; the command only reports results.
	e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := e.Load([]Script{{Name: *name, File: path, Hook: *hook, Timeout: *timeout}}); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	out, _, err := e.Run(context.Background(), *hook, *name, in)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var se *ScriptError
		if errors.As(err, &se) && se.Stack != "" {
			fmt.Fprintln(stderr, indent(se.Stack))
		}
		return 1
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(out)
	}
	fmt.Fprintln(stdout, pretty.String())
	return 0
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// loadCatalogDir loads DIR/*.yaml and DIR/*.yml.
func loadCatalogDir(dir string) (*catalog.Files, error) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("no *.yaml files in %s", dir)
	}
	return catalog.LoadFiles(files)
}
