package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// agentSupervisor plays the machines a Terraform template would create: for
// every agent of a workspace whose latest build started successfully it runs
// `coder agent` with that agent's token, and it stops the agent once the
// workspace stops or goes away. So a running workspace on the real
// deployment has a connected agent, as it would in production, although the
// echo provisioner creates no machine.
//
// Agent tokens are read from the deployment's own database (the state the
// provisioner would hand to the machine); Coder mints one per agent when the
// template leaves it empty.
type agentSupervisor struct {
	coderBin string
	coderURL string
	dir      string
	psql     []string

	mu      sync.Mutex
	running map[string]*proc // agent ID → its process
	started int
}

const latestStartedAgents = `
SELECT a.id, a.auth_token
FROM workspace_agents a
JOIN workspace_resources r ON r.id = a.resource_id
JOIN workspace_builds b ON b.job_id = r.job_id
JOIN provisioner_jobs j ON j.id = b.job_id
JOIN workspaces w ON w.id = b.workspace_id
WHERE NOT w.deleted
  AND b.transition = 'start'
  AND j.job_status = 'succeeded'
  AND b.build_number = (SELECT max(b2.build_number) FROM workspace_builds b2 WHERE b2.workspace_id = b.workspace_id)`

func newAgentSupervisor(coderBin, coderURL, stateDir string, pg *postgres) *agentSupervisor {
	return &agentSupervisor{
		coderBin: coderBin,
		coderURL: coderURL,
		dir:      filepath.Join(stateDir, "agents"),
		psql: []string{filepath.Join(pg.binDir, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port),
			"-U", "coder", "-d", "coder", "-At", "-F", " ", "-v", "ON_ERROR_STOP=1", "-c", latestStartedAgents},
		running: map[string]*proc{},
	}
}

// run reconciles agents with builds every interval until ctx ends.
func (s *agentSupervisor) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.sync(ctx); err != nil && ctx.Err() == nil {
			logf("agents: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *agentSupervisor) sync(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, s.psql[0], s.psql[1:]...).Output()
	if err != nil {
		return fmt.Errorf("listing agents: %w", err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if id, token, ok := strings.Cut(line, " "); ok {
			want[id] = token
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, p := range s.running {
		if _, ok := want[id]; !ok || p.exited() {
			go p.stop(syscall.SIGTERM, 10*time.Second)
			delete(s.running, id)
		}
	}
	for id, token := range want {
		if _, ok := s.running[id]; ok {
			continue
		}
		p, err := s.start(id, token)
		if err != nil {
			return err
		}
		s.running[id] = p
		s.started++
	}
	return nil
}

func (s *agentSupervisor) start(id, token string) (*proc, error) {
	dir := filepath.Join(s.dir, id)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(s.coderBin, "agent", "--no-reap")
	cmd.Dir = home
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"CODER_AGENT_URL=" + s.coderURL,
		"CODER_AGENT_AUTH=token",
		"CODER_AGENT_TOKEN=" + token,
		"CODER_AGENT_LOG_DIR=" + dir,
		"CODER_AGENT_SCRIPT_DATA_DIR=" + dir,
		// Several agents share this machine: their local debug listeners
		// take any free loopback port.
		"CODER_AGENT_PPROF_ADDRESS=127.0.0.1:0",
		"CODER_AGENT_PROMETHEUS_ADDRESS=127.0.0.1:0",
		"CODER_AGENT_DEBUG_ADDRESS=127.0.0.1:0",
		"CODER_TELEMETRY_ENABLE=false",
		tailnetOverDERP,
	}
	return startProc("coder agent "+id, filepath.Join(dir, "agent.log"), cmd, nil)
}

// stopAll stops every agent and reports how many were started in all.
func (s *agentSupervisor) stopAll() int {
	s.mu.Lock()
	procs := s.running
	s.running = map[string]*proc{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(syscall.SIGTERM, 10*time.Second) }()
	}
	wg.Wait()
	return s.started
}
