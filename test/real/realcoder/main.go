package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/coderhost/coderhost/test/real/realseed"
)

func main() {
	os.Exit(run())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "realcoder: "+format+"\n", args...)
}

func run() int {
	coderBin := flag.String("coder-bin", "", "the coder binary (test/real/build-coder.sh builds and caches it)")
	pgBin := flag.String("pg-bin", "", "directory of PostgreSQL's server binaries (default: Debian's /usr/lib/postgresql/<newest>/bin)")
	callback := flag.String("callback-url", "http://127.0.0.1:7008/api/auth/coder/handler/frame",
		"callback URL of the seeded OAuth2 app: coderhost's Coder sign-in handler")
	envFile := flag.String("env-file", "", "also write the deployment's variables to this file (KEY=value lines, mode 0600)")
	keep := flag.Bool("keep-state", false, "keep the state directory (logs, database) after stopping")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: realcoder -coder-bin PATH [flags] [-- COMMAND ARGS...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *coderBin == "" {
		logf("-coder-bin is required: run test/real/build-coder.sh, which prints the cached binary's path")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cl cleanups
	defer cl.run()

	stateDir, err := os.MkdirTemp("", "coderhost-real-coder-")
	if err != nil {
		logf("%v", err)
		return 1
	}
	cl.add(func() {
		if *keep {
			logf("state kept in %s", stateDir)
			return
		}
		_ = os.RemoveAll(stateDir)
	})
	fail := func(err error) int {
		logf("%v", err)
		if !*keep {
			logf("logs: rerun with -keep-state to keep %s", stateDir)
		}
		return 1
	}

	bin, err := findPostgres(*pgBin)
	if err != nil {
		return fail(err)
	}
	start := time.Now()
	pg, err := startPostgres(ctx, bin, stateDir)
	if err != nil {
		return fail(err)
	}
	cl.add(func() { logf("stopping PostgreSQL"); pg.stop() })
	logf("PostgreSQL on 127.0.0.1:%d (%s) in %s", pg.port, pg.version, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	cs, err := startCoder(ctx, *coderBin, stateDir, pg.url())
	if err != nil {
		return fail(err)
	}
	cl.add(func() { logf("stopping coder server"); cs.stop() })
	logf("coder server %s on %s in %s", cs.version, cs.url, time.Since(start).Round(time.Millisecond))

	agents := newAgentSupervisor(*coderBin, cs.url, stateDir, pg)
	agentCtx, stopAgents := context.WithCancel(ctx)
	go agents.run(agentCtx, 500*time.Millisecond)
	cl.add(func() {
		stopAgents()
		logf("stopped agents (%d started in all)", agents.stopAll())
	})

	start = time.Now()
	seedCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	dep, err := realseed.Apply(seedCtx, cs.url, realseed.Seed(), realseed.Options{
		OAuth2CallbackURL: *callback,
		Logf:              func(f string, a ...any) { logf("seed: "+f, a...) },
	})
	cancel()
	if err != nil {
		if cs.proc.exited() {
			err = fmt.Errorf("%w\ncoder server exited:\n%s", err, tail(cs.logPath, 30))
		}
		return fail(err)
	}
	logf("seeded in %s", time.Since(start).Round(time.Millisecond))

	app := dep.OAuth2Apps["backstage"]
	vars := [][2]string{
		{"CODER_URL", dep.URL},
		{"CODER_SESSION_TOKEN", dep.Tokens["demo"]},
		{"CODER_ADMIN_SESSION_TOKEN", dep.Tokens["admin"]},
		{"CODER_OAUTH_CLIENT_ID", app.ClientID},
		{"CODER_OAUTH_CLIENT_SECRET", app.ClientSecret},
		{"CODER_OAUTH_CALLBACK_URL", app.CallbackURL},
		{"CODER_ALLOW_WRITES", "1"},
		{"REAL_CODER_VERSION", cs.version},
		{"REAL_POSTGRES_VERSION", pg.version},
	}
	fmt.Printf("real component: Coder %s (GET /api/v2/buildinfo, %s)\n", cs.version, *coderBin)
	fmt.Printf("real component: %s\n", pg.version)
	if len(dep.Skipped) > 0 {
		sort.Strings(dep.Skipped)
		logf("seed features a real deployment without a licence does not have: %s", strings.Join(dep.Skipped, "; "))
	}
	if *envFile != "" {
		var b strings.Builder
		for _, v := range vars {
			fmt.Fprintf(&b, "%s='%s'\n", v[0], v[1])
		}
		if err := os.WriteFile(*envFile, []byte(b.String()), 0o600); err != nil {
			return fail(err)
		}
	}

	if args := flag.Args(); len(args) > 0 {
		fmt.Printf("CODER_URL=%s\n", dep.URL)
		logf("running %s (the deployment's tokens and OAuth2 client are in its environment)", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = os.Environ()
		for _, v := range vars {
			cmd.Env = append(cmd.Env, v[0]+"="+v[1])
		}
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 30 * time.Second
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exit) && exit.ExitCode() > 0:
			return exit.ExitCode()
		default:
			return fail(err)
		}
	}

	// Interactive: a throwaway deployment on loopback, so its credentials
	// are printed for the developer to use.
	for _, v := range vars[:6] {
		fmt.Printf("%s=%s\n", v[0], v[1])
	}
	fmt.Printf("passwords: admin@example.com %s, demo@example.com %s\n", dep.Passwords["admin"], dep.Passwords["demo"])
	logf("serving until interrupted (Ctrl-C stops Coder and PostgreSQL and removes their data)")
	select {
	case <-ctx.Done():
	case <-cs.proc.done:
		return fail(fmt.Errorf("coder server exited: %v\n%s", cs.proc.err, tail(cs.logPath, 30)))
	case <-pg.proc.done:
		return fail(fmt.Errorf("PostgreSQL exited: %v", pg.proc.err))
	}
	return 0
}
