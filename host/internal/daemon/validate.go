package daemon

import (
	"context"
	"errors"
	"log/slog"

	"github.com/coderhost/coderhost/host/internal/config"
	"github.com/coderhost/coderhost/host/internal/pluginhost"
	"github.com/coderhost/coderhost/host/internal/scripting"
)

// Validate checks a configuration file without serving anything: the HCL
// and env(), the scripts, the catalog files and demo seed, each plugin
// binary (path, plugin_dir, sha256) and, when launch is set, each plugin's
// config block against the schema the binary reports. Every problem that
// would stop the host is returned at once as err. warnings are problems
// that would not be the file's fault, such as the listen address being in
// use right now.
func Validate(ctx context.Context, path string, launch bool, env func(string) (string, bool)) (warnings []error, err error) {
	var opts []config.Option
	if env != nil {
		opts = append(opts, config.WithEnv(env))
	}
	cfg, err := config.Load(path, opts...)
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	d := &Daemon{log: quiet, engine: scripting.NewEngine(scripting.Options{Logger: quiet})}
	_, checkErr := d.check(cfg, nil)
	errs := []error{checkErr}
	if ln, err := bind(cfg, "", true); err != nil {
		warnings = append(warnings, err)
	} else {
		_ = ln.Close()
	}
	if launch {
		for _, pc := range cfg.Plugins {
			spec := d.pluginSpec(cfg, pc)
			if spec.Reattach == nil && pluginhost.CheckBinary(spec.ID, spec.Path, spec.PluginDir, spec.SHA256) != nil {
				continue // reported by check
			}
			p, err := pluginhost.Launch(ctx, spec, pluginhost.Options{Logger: quiet})
			if err != nil {
				errs = append(errs, cfg.Wrap(&pc.DeclRange, "Plugin failed to start", err))
				continue
			}
			_, err = cfg.DecodePluginConfig(pc, p.Describe().ConfigSchema)
			p.Stop()
			errs = append(errs, err)
		}
	}
	return warnings, errors.Join(errs...)
}
