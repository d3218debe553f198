package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/coderhost/coderhost/internal/entityconfig"
	"github.com/coderhost/coderhost/sdk"
)

// parseConfig reads the whole config block: the entity configuration
// attributes the catalog plugin shares (entityconfig.AppConfig) and the
// plugin's own knobs.
func parseConfig(req sdk.ConfigureRequest) (config, error) {
	var app entityconfig.AppConfig
	if err := req.DecodeConfig(&app); err != nil {
		return config{}, err
	}
	app, err := app.WithDefaults(req.Info)
	if err != nil {
		return config{}, err
	}
	s, err := parseSettings(req.Config)
	if err != nil {
		return config{}, err
	}
	return config{settings: s, app: app}, nil
}

// settings are the plugin's own knobs, after defaults and validation.
type settings struct {
	CacheTTL          time.Duration
	CacheSize         int
	UpstreamTimeout   time.Duration
	RestartTimeout    time.Duration
	BuildPollInterval time.Duration
	MaxStreamsPerUser int
	WatchInterval     time.Duration
	WatchIdleInterval time.Duration
	HeartbeatInterval time.Duration
}

// knobs is the raw form of settings in the config block.
type knobs struct {
	CacheTTL          string `json:"cache_ttl"`
	CacheSize         *int   `json:"cache_size"`
	UpstreamTimeout   string `json:"upstream_timeout"`
	RestartTimeout    string `json:"restart_timeout"`
	BuildPollInterval string `json:"build_poll_interval"`
	MaxStreamsPerUser *int   `json:"max_streams_per_user"`
	WatchInterval     string `json:"watch_interval"`
	WatchIdleInterval string `json:"watch_idle_interval"`
	HeartbeatInterval string `json:"heartbeat_interval"`
}

// knobAttributes documents the plugin's own attributes, with their defaults.
var knobAttributes = []sdk.Attribute{
	{Name: "cache_ttl", Type: sdk.TypeString, Description: `How long a user's workspace list is served from memory, as a Go duration ("0s" turns the cache off; identical concurrent requests are still coalesced). Default "5s".`},
	{Name: "cache_size", Type: sdk.TypeNumber, Description: "How many lists (per user and query) are kept in memory at most. Default 1000."},
	{Name: "upstream_timeout", Type: sdk.TypeString, Description: `How long one call to Coder may take before the plugin answers 504. Default "15s".`},
	{Name: "restart_timeout", Type: sdk.TypeString, Description: `How long a restart waits for the stop build to finish before it starts the workspace again. Default "2m".`},
	{Name: "build_poll_interval", Type: sdk.TypeString, Description: `How often a restart checks whether the stop build has finished. Default "1s".`},
	{Name: "max_streams_per_user", Type: sdk.TypeNumber, Description: "How many live-update (watch) streams one user may hold open at once; more get 429. Default 8."},
	{Name: "watch_interval", Type: sdk.TypeString, Description: `How often a watched list is polled while a build is pending or an agent is connecting. Default "5s".`},
	{Name: "watch_idle_interval", Type: sdk.TypeString, Description: `How often a watched list is polled otherwise. Default "30s".`},
	{Name: "heartbeat_interval", Type: sdk.TypeString, Description: `How often a watch stream sends a ping event, which keeps proxies from closing it. Default "15s".`},
}

func defaultSettings() settings {
	return settings{
		CacheTTL:          5 * time.Second,
		CacheSize:         1000,
		UpstreamTimeout:   15 * time.Second,
		RestartTimeout:    2 * time.Minute,
		BuildPollInterval: time.Second,
		MaxStreamsPerUser: 8,
		WatchInterval:     5 * time.Second,
		WatchIdleInterval: 30 * time.Second,
		HeartbeatInterval: 15 * time.Second,
	}
}

// parseSettings reads the plugin's own attributes from the config block;
// errors name the attribute and say what to write.
func parseSettings(raw json.RawMessage) (settings, error) {
	s := defaultSettings()
	var k knobs
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &k); err != nil {
			return s, fmt.Errorf("config: %w", err)
		}
	}
	durations := []struct {
		name     string
		raw      string
		dst      *time.Duration
		zeroOK   bool
		minValue time.Duration
	}{
		{"cache_ttl", k.CacheTTL, &s.CacheTTL, true, 0},
		{"upstream_timeout", k.UpstreamTimeout, &s.UpstreamTimeout, false, 100 * time.Millisecond},
		{"restart_timeout", k.RestartTimeout, &s.RestartTimeout, false, time.Second},
		{"build_poll_interval", k.BuildPollInterval, &s.BuildPollInterval, false, 10 * time.Millisecond},
		{"watch_interval", k.WatchInterval, &s.WatchInterval, false, 10 * time.Millisecond},
		{"watch_idle_interval", k.WatchIdleInterval, &s.WatchIdleInterval, false, 10 * time.Millisecond},
		{"heartbeat_interval", k.HeartbeatInterval, &s.HeartbeatInterval, false, 10 * time.Millisecond},
	}
	for _, d := range durations {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		switch {
		case err != nil:
			return s, fmt.Errorf("config: %s = %q is not a duration; write it like \"5s\" or \"2m\"", d.name, d.raw)
		case v == 0 && d.zeroOK:
		case v < d.minValue || v <= 0:
			return s, fmt.Errorf("config: %s = %q is too short; use at least %s", d.name, d.raw, max(d.minValue, time.Nanosecond))
		}
		*d.dst = v
	}
	if k.CacheSize != nil {
		if *k.CacheSize < 1 {
			return s, fmt.Errorf("config: cache_size = %d; it must be at least 1", *k.CacheSize)
		}
		s.CacheSize = *k.CacheSize
	}
	if k.MaxStreamsPerUser != nil {
		if *k.MaxStreamsPerUser < 1 {
			return s, fmt.Errorf("config: max_streams_per_user = %d; it must be at least 1", *k.MaxStreamsPerUser)
		}
		s.MaxStreamsPerUser = *k.MaxStreamsPerUser
	}
	if s.WatchIdleInterval < s.WatchInterval {
		return s, fmt.Errorf("config: watch_idle_interval (%s) is shorter than watch_interval (%s); the idle interval should be the longer one", s.WatchIdleInterval, s.WatchInterval)
	}
	return s, nil
}
