package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// tailnetOverDERP keeps Coder's tailnet (coderd's and every agent's) off UDP:
// without it each binds peer-to-peer sockets on all interfaces. Its packets
// then go through the DERP relay that coder server serves on its loopback
// HTTP port, so everything listens on 127.0.0.1 only.
const tailnetOverDERP = "TS_DEBUG_ALWAYS_USE_DERP=true"

// coderServer is `coder server` on a free loopback port.
type coderServer struct {
	url     string
	version string
	logPath string
	proc    *proc
}

func startCoder(ctx context.Context, bin, stateDir, postgresURL string) (*coderServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cs := &coderServer{url: "http://" + addr, logPath: filepath.Join(stateDir, "coder.log")}
	home := filepath.Join(stateDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server",
		"--postgres-url", postgresURL,
		"--http-address", addr,
		"--access-url", cs.url,
		"--provisioner-types", "echo",
		"--experiments", "oauth2",
		"--cache-dir", filepath.Join(stateDir, "cache"),
	)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"CODER_CONFIG_DIR=" + filepath.Join(stateDir, "config"),
		"CODER_TELEMETRY_ENABLE=false",
		"CODER_UPDATE_CHECK=false",
		// No STUN servers: this machine reaches nothing beyond loopback.
		"CODER_DERP_SERVER_STUN_ADDRESSES=disable",
		tailnetOverDERP,
		// The suites poll builds from one user; Coder's per-user limit of
		// 512 requests a minute is not what they test.
		"CODER_API_RATE_LIMIT=-1",
	}
	if cs.proc, err = startProc("coder", cs.logPath, cmd, nil); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(3 * time.Minute)
	hc := &http.Client{Timeout: 5 * time.Second}
	for {
		var info struct {
			Version string `json:"version"`
		}
		resp, err := hc.Get(cs.url + "/api/v2/buildinfo")
		if err == nil {
			if resp.StatusCode == http.StatusOK {
				err = json.NewDecoder(resp.Body).Decode(&info)
			} else {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			resp.Body.Close()
			if err == nil && info.Version != "" {
				cs.version = info.Version
				return cs, nil
			}
		}
		if cs.proc.exited() || time.Now().After(deadline) {
			cs.stop()
			return nil, fmt.Errorf("coder server did not come up on %s: %v\n%s", cs.url, err, tail(cs.logPath, 30))
		}
		select {
		case <-ctx.Done():
			cs.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (cs *coderServer) stop() { cs.proc.stop(syscall.SIGTERM, 30*time.Second) }
