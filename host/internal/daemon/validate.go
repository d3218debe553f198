package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/coderhost/coderhost/host/internal/config"
	"github.com/coderhost/coderhost/host/internal/pluginhost"
	"github.com/coderhost/coderhost/host/internal/scripting"
)

// Validate checks a configuration file without serving anything: the HCL,
// the scripts, and (when launch is set) each plugin's config block against
// the schema the plugin binary reports. Every problem is returned at once.
func Validate(ctx context.Context, path string, launch bool, env func(string) (string, bool)) error {
	var opts []config.Option
	if env != nil {
		opts = append(opts, config.WithEnv(env))
	}
	cfg, err := config.Load(path, opts...)
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var errs []error
	if err := scripting.NewEngine(scripting.Options{Logger: quiet}).Check(scriptSpecs(cfg)); err != nil {
		errs = append(errs, err)
	}
	d := &Daemon{}
	if launch {
		for _, pc := range cfg.Plugins {
			p, err := pluginhost.Launch(ctx, d.pluginSpec(cfg, pc), pluginhost.Options{Logger: quiet})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			_, err = cfg.DecodePluginConfig(pc, p.Describe().ConfigSchema)
			p.Stop()
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
