package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// postgres is a PostgreSQL server with its own data directory, listening on
// 127.0.0.1 only, with trust authentication for the "coder" role (nothing
// but this machine's loopback can reach it, and it lives as long as the run).
type postgres struct {
	binDir  string
	dataDir string
	port    int
	version string
	cred    *syscall.Credential
	proc    *proc
}

// findPostgres returns the directory of Debian's PostgreSQL server binaries
// (/usr/lib/postgresql/<major>/bin, the newest major), or of postgres on
// PATH.
func findPostgres(flagDir string) (string, error) {
	if flagDir != "" {
		return flagDir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		mi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		mj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return mi > mj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server found: install Debian's postgresql package (apt-get install -y postgresql) or pass -pg-bin")
}

// postgresCredential is the identity PostgreSQL runs as: initdb and postgres
// refuse to run as root, so as root they run as Debian's "postgres" user.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres system user (from Debian's postgresql package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func runAs(ctx context.Context, cred *syscall.Credential, logPath, name string, args ...string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, tail(logPath, 15))
	}
	return nil
}

func startPostgres(ctx context.Context, binDir, stateDir string) (*postgres, error) {
	pg := &postgres{binDir: binDir, dataDir: filepath.Join(stateDir, "pgdata")}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	pg.cred = cred
	if err := os.Mkdir(pg.dataDir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		// The state directory stays root's; the postgres user may pass
		// through it to its own data directory.
		if err := os.Chmod(stateDir, 0o711); err != nil {
			return nil, err
		}
		if err := os.Chown(pg.dataDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("postgres --version: %w", err)
	}
	pg.version = strings.TrimSpace(string(out))

	logPath := filepath.Join(stateDir, "postgres.log")
	if err := runAs(ctx, cred, logPath, filepath.Join(binDir, "initdb"),
		"-D", pg.dataDir, "-U", "coder", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, err
	}
	if pg.port, err = freePort(); err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"),
		"-D", pg.dataDir, "-p", strconv.Itoa(pg.port), "-k", pg.dataDir,
		"-c", "listen_addresses=127.0.0.1",
		// A throwaway database: durability buys nothing here.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	if pg.proc, err = startProc("postgres", filepath.Join(stateDir, "postgres-server.log"), cmd, cred); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := runAs(ctx, cred, logPath, filepath.Join(binDir, "createdb"),
			"-h", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-U", "coder", "coder")
		if err == nil {
			break
		}
		if pg.proc.exited() || time.Now().After(deadline) {
			pg.stop()
			return nil, fmt.Errorf("PostgreSQL did not start: %w\n%s", err, tail(filepath.Join(stateDir, "postgres-server.log"), 20))
		}
		select {
		case <-ctx.Done():
			pg.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return pg, nil
}

func (pg *postgres) url() string {
	return fmt.Sprintf("postgres://coder@127.0.0.1:%d/coder?sslmode=disable", pg.port)
}

// stop asks for PostgreSQL's fast shutdown (SIGINT).
func (pg *postgres) stop() { pg.proc.stop(syscall.SIGINT, 30*time.Second) }
