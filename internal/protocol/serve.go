package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DebugEnv, set to a true value in a plugin's environment, makes Serve run
// the plugin on its own (for example under a debugger) and print the
// reattach line for the host instead of waiting to be launched.
const DebugEnv = "CODERHOST_PLUGIN_DEBUG"

// ReattachEnv is read by the host: a JSON object mapping plugin ids to the
// reattach configuration a plugin in debug mode printed. The host then
// attaches to that process instead of launching the plugin's binary.
const ReattachEnv = "CODERHOST_REATTACH_PLUGINS"

// ReattachConfig is the JSON form of go-plugin's reattach configuration.
type ReattachConfig struct {
	Protocol        string
	ProtocolVersion int
	Pid             int
	Test            bool
	Addr            ReattachAddr
}

// ReattachAddr is a network address in JSON.
type ReattachAddr struct {
	Network string
	String  string
}

// GoPlugin returns the go-plugin form of c.
func (c ReattachConfig) GoPlugin() (*plugin.ReattachConfig, error) {
	var addr net.Addr
	var err error
	switch c.Addr.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", c.Addr.String)
	case "tcp":
		addr, err = net.ResolveTCPAddr("tcp", c.Addr.String)
	default:
		return nil, fmt.Errorf("unknown network %q (want unix or tcp)", c.Addr.Network)
	}
	if err != nil {
		return nil, err
	}
	return &plugin.ReattachConfig{
		Protocol: plugin.Protocol(c.Protocol), ProtocolVersion: c.ProtocolVersion,
		Addr: addr, Pid: c.Pid, Test: c.Test,
	}, nil
}

// ServeOptions tune Serve.
type ServeOptions struct {
	MaxBodyBytes int64
	// BufferRequestBodies serves only the buffered ServeHTTP, as plugins
	// built before ServeHTTPStream do. Tests only.
	BufferRequestBodies bool
	// Debug serves in debug mode (see DebugEnv) regardless of the
	// environment.
	Debug bool
	// Args are the command-line arguments (without the program name).
	Args []string
	// Stdout receives -describe output and the debug reattach line.
	Stdout io.Writer
	// Logger is go-plugin's logger; plugin logs reach the host through
	// stderr.
	Logger hclog.Logger
	// InProcess serves in the calling process for sdk/plugintest: until
	// Context ends, sending the reattach configuration on Reattach.
	InProcess *InProcess
}

// InProcess is an in-process serve for tests.
type InProcess struct {
	Context  context.Context
	Reattach chan<- *plugin.ReattachConfig
	Closed   chan<- struct{}
}

// Serve runs p as a plugin until the host stops it. With the single
// argument -describe it prints the description as JSON and returns. It
// returns an error instead of exiting when it cannot serve.
func Serve(p Provider, o ServeOptions) error {
	d := p.Describe()
	if len(o.Args) == 1 && (o.Args[0] == "-describe" || o.Args[0] == "--describe") {
		enc := json.NewEncoder(o.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(describeJSON(d))
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if t := o.InProcess; t != nil {
		plugin.Serve(serveConfig(p, o, &plugin.ServeTestConfig{Context: t.Context, ReattachConfigCh: t.Reattach, CloseCh: t.Closed}))
		return nil
	}
	debugMode := o.Debug || truthy(os.Getenv(DebugEnv))
	launched := os.Getenv(Handshake.MagicCookieKey) == Handshake.MagicCookieValue
	if !launched && !debugMode {
		return fmt.Errorf("%s is a coderhost plugin: the coderhost daemon starts it (add a plugin %q block to its configuration); "+
			"run it with %s=1 to debug it on its own, or with -describe to print what it offers", os.Args[0], d.ID, DebugEnv)
	}
	// Only the handshake line may reach stdout before the host connects.
	log.SetOutput(os.Stderr)
	if !debugMode {
		stop := make(chan struct{})
		defer close(stop)
		go watchParent(os.Getppid(), stop)
		plugin.Serve(serveConfig(p, o, nil))
		return nil
	}
	return serveDebug(p, o, d.ID)
}

func serveConfig(p Provider, o ServeOptions, test *plugin.ServeTestConfig) *plugin.ServeConfig {
	msg := MaxMessageBytes(o.MaxBodyBytes)
	return &plugin.ServeConfig{
		HandshakeConfig: Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			ProtocolVersion: {PluginName: &GRPCPlugin{Provider: p, MaxBodyBytes: o.MaxBodyBytes, BufferRequestBodies: o.BufferRequestBodies}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.MaxRecvMsgSize(msg),
				grpc.MaxSendMsgSize(msg),
				grpc.InitialWindowSize(windowSize),
				grpc.InitialConnWindowSize(windowSize),
				// Reused goroutines instead of one new goroutine per request.
				grpc.NumStreamWorkers(2),
				grpc.ChainUnaryInterceptor(recoverUnary),
				grpc.ChainStreamInterceptor(recoverStream),
			)
			return grpc.NewServer(opts...)
		},
		Logger: o.Logger,
		Test:   test,
	}
}

// serveDebug serves until SIGINT or SIGTERM and prints how the host
// attaches.
func serveDebug(p Provider, o ServeOptions, id string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go plugin.Serve(serveConfig(p, o, &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}))
	stdout := o.Stdout
	select {
	case rc := <-reattach:
		line, err := json.Marshal(map[string]ReattachConfig{id: {
			Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: true,
			Addr: ReattachAddr{Network: rc.Addr.Network(), String: rc.Addr.String()},
		}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "plugin %q is waiting for the host; start coderhost with:\n%s='%s'\n", id, ReattachEnv, line)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("plugin %q: go-plugin did not start serving in debug mode", id)
	}
	<-closed
	return nil
}

// watchParent exits when the host dies without stopping the plugin, so no
// plugin outlives its host.
func watchParent(ppid int, stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if os.Getppid() != ppid {
				fmt.Fprintln(os.Stderr, "host process exited; stopping plugin")
				// go-plugin's Serve cannot be stopped from inside; SIGTERM
				// ends the process the way the host's own stop would.
				if self, err := os.FindProcess(os.Getpid()); err == nil {
					_ = self.Signal(syscall.SIGTERM)
				}
				return
			}
		}
	}
}

func recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "panic in %s: %v\n%s", info.FullMethod, p, debug.Stack())
			err = status.Errorf(codes.Internal, "plugin panicked in %s: %v", info.FullMethod, p)
		}
	}()
	return h(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "panic in %s: %v\n%s", info.FullMethod, p, debug.Stack())
			err = status.Errorf(codes.Internal, "plugin panicked in %s: %v", info.FullMethod, p)
		}
	}()
	return h(srv, ss)
}

func describeJSON(d Description) any {
	return struct {
		ID           string   `json:"id"`
		Version      string   `json:"version"`
		Summary      string   `json:"summary,omitempty"`
		Capabilities []string `json:"capabilities"`
		ConfigSchema Schema   `json:"config_schema"`
	}{d.ID, d.Version, d.Summary, d.Capabilities, d.ConfigSchema}
}

func truthy(s string) bool {
	switch s {
	case "1", "true", "TRUE", "True", "yes", "on":
		return true
	}
	return false
}
