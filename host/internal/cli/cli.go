package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/coderhost/coderhost/host/internal/config"
	"github.com/coderhost/coderhost/host/internal/daemon"
	"github.com/coderhost/coderhost/host/internal/scripting"
	"github.com/coderhost/coderhost/host/internal/wiring"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// Version is the coderhost version, set at build time.
var Version = "dev"

const usage = `coderhost runs Coder features for Backstage as plugins.

Usage:
  coderhost run [-config config.hcl] [-listen ADDR]   start the daemon
  coderhost validate [-no-plugins] FILE               check a configuration file (exit 0 valid, 2 invalid)
  coderhost script test --hook HOOK --file F.js --input IN.json [--catalog DIR]
                                                      run a script hook on a JSON input
  coderhost backstage-config [-config config.hcl] [-listen ADDR]
                                                      print the Backstage app-config and apis.ts wiring
  coderhost demo-coder [-listen ADDR] [-seed FILE]    serve the in-memory demo Coder deployment
  coderhost version                                   print the version
`

// Main runs the command line and returns the process exit code. Long
// commands stop when ctx ends.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return run(ctx, args[1:], stdout, stderr)
	case "validate":
		return validate(ctx, args[1:], stdout, stderr)
	case "script":
		if len(args) < 2 || args[1] != "test" {
			fmt.Fprint(stderr, "usage: coderhost script test --hook HOOK --file F.js --input IN.json [--catalog DIR]\n")
			return 2
		}
		return scripting.TestCommand(args[2:], stdout, stderr)
	case "backstage-config":
		return backstageConfig(args[1:], stdout, stderr)
	case "demo-coder":
		return demoCoder(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "coderhost %s\n", Version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "coderhost: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "config.hcl", "configuration file")
	listen := fs.String("listen", "", "listen address, overriding the file's listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, err := daemon.New(ctx, daemon.Options{
		ConfigPath: *cfgPath, Listen: *listen, Version: Version, Stdout: stdout,
	})
	if err != nil {
		fmt.Fprintf(stderr, "coderhost: cannot start:\n%v\n", err)
		return 1
	}
	if err := d.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "coderhost: %v\n", err)
		return 1
	}
	return 0
}

func validate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	noPlugins := fs.Bool("no-plugins", false, "do not launch plugins to check their config blocks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "usage: coderhost validate [-no-plugins] FILE\n")
		return 2
	}
	file := fs.Arg(0)
	warnings, err := daemon.Validate(ctx, file, !*noPlugins, nil)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%v\n", w)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s: valid\n", file)
	return 0
}

func backstageConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backstage-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "config.hcl", "configuration file")
	listen := fs.String("listen", "", "the address coderhost listens on, overriding the file's listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 2
	}
	addr := *listen
	if addr == "" {
		addr = cfg.Listen
	}
	fmt.Fprint(stdout, wiring.Backstage(addr, cfg))
	return 0
}

func demoCoder(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo-coder", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:3000", "listen address")
	seedFile := fs.String("seed", "", "YAML seed file (default: the built-in demo deployment)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	seed := fakecoder.DemoSeed()
	if *seedFile != "" {
		var err error
		if seed, err = fakecoder.LoadSeed(*seedFile); err != nil {
			fmt.Fprintf(stderr, "coderhost demo-coder: %v\n", err)
			return 2
		}
	}
	srv, err := fakecoder.Start(*listen, fakecoder.WithSeed(seed))
	if err != nil {
		fmt.Fprintf(stderr, "coderhost demo-coder: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "demo coder listening on %s\n", srv.URL())
	fmt.Fprintf(stdout, "demo session token: %s\n", srv.Token("demo"))
	if id, secret, ok := srv.OAuth2App("backstage"); ok {
		fmt.Fprintf(stdout, "demo oauth client id: %s\ndemo oauth client secret: %s\n", id, secret)
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "coderhost demo-coder: %v\n", err)
		return 1
	}
	return 0
}
