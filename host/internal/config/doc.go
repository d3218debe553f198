// Package config loads coderhost's HCL configuration file.
//
// Load parses the file, decodes it into a Config with defaults filled in,
// and validates it. Every problem is reported at once, as a *Diagnostics
// whose Error method renders each one with its position and the offending
// source line:
//
//	config.hcl:5,3: Unsupported argument; An argument named "acess_url" is not expected here. Did you mean "access_url"?
//	    5 |   acess_url = "https://coder.example.com"
//	      |   ^^^^^^^^^
//
// A plugin's config {} block is kept undecoded (Plugin.Config) until the
// plugin has described its schema; Config.DecodePluginConfig then checks it
// against that the plugin's Schema and returns it as JSON, again with diagnostics
// pointing into the file. SensitiveValues lists the secrets the
// configuration holds so the host can keep them out of logs.
//
// # Expressions
//
// Values are HCL expressions with one function and no variables:
// env("NAME") reads an environment variable and is an error when it is not
// set; env("NAME", "default") falls back to the default. A variable that is
// set to the empty string yields "". There are no file functions.
//
// For optional settings an empty string or null means the same as leaving
// the setting out, so env("NAME", "") can turn one off. Relative paths are
// resolved against the directory holding the file. Durations are Go
// durations ("500ms", "10s", "1m30s") and must be positive. Sizes are a
// whole number of bytes, or a string with one of the units B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024), matched without
// regard to case: 1048576, "512KB", "10MiB". URLs must be absolute http or
// https URLs with a host and without query or fragment; trailing slashes
// are removed. Unknown attributes and blocks are errors.
//
// # Settings
//
// Top level, all optional:
//
//	listen              = "127.0.0.1:7008"  # host:port; ":7008" listens on every interface
//	external_url        = "http://localhost:7007/api/proxy/coder"  # how browsers reach this host
//	log_level           = "info"            # debug | info | warn | error
//	log_format          = "text"            # text | json
//	plugin_dir          = "bin/plugins"     # plugin binaries must live under it
//	shutdown_timeout    = "15s"
//	read_header_timeout = "10s"             # to receive a request's headers
//	read_timeout        = "30s"             # to receive a whole request, body included; a slower one gets 408
//	write_timeout       = "60s"             # to write an answer; renewed at each flush of a plugin's answer
//	idle_timeout        = "120s"            # keep-alive between requests
//
// coder, required, with exactly one of access_url or demo = true:
//
//	coder {
//	  access_url = "https://coder.example.com"  # a real Coder deployment
//	  demo       = false                        # true: the embedded demo deployment
//	  demo_seed  = "seed.yaml"                  # only with demo; must exist; default: built-in seed
//	}
//
// backstage, optional; every setting defaults to unset except the TTL:
//
//	backstage {
//	  app_url           = "http://localhost:3000"
//	  backend_url       = "http://localhost:7007"
//	  catalog_token     = env("BACKSTAGE_CATALOG_TOKEN")  # secret
//	  catalog_files     = ["catalog/*.yaml"]  # glob patterns; read when there is no backend_url
//	  catalog_cache_ttl = "1m"
//	}
//
// proxy, optional; the pass-through to Coder's API:
//
//	proxy {
//	  allowed_methods       = ["GET", "HEAD"]  # the default (all the Backstage frontend plugin sends); add POST etc. for custom code; OPTIONS also allowed; upper-cased
//	  allowed_headers       = ["Coder-Session-Token"]  # the default; [] allows none
//	  headers               = {}                       # added to upstream requests; values are secret
//	  forward_cookies       = false
//	  forward_authorization = false
//	  timeout               = "30s"
//	  max_body              = "10MiB"
//	}
//
// script, any number; the label names the script and must be unique:
//
//	script "username" {
//	  file    = "scripts/signin/username.js"  # required; must exist
//	  hook    = "signin"                      # signin | workspace_params; may be left out when the label is a hook name
//	  timeout = "100ms"                       # at most "10s"
//	}
//
// plugin, any number; the label is the plugin id, unique, matching
// ^[a-z][a-z0-9-]{0,62}$, and the plugin is served at /api/<id>/:
//
//	plugin "auth" {
//	  path            = "bin/plugins/coderhost-plugin-auth"  # required; must lie under plugin_dir
//	  sha256          = "…"            # optional pin: 64 hex digits, any case
//	  pass_env        = ["HTTPS_PROXY"]  # host environment variables the plugin may see
//	  env             = { KEY = "v" }    # extra environment for the plugin; values are secret;
//	                                     # GOMAXPROCS is 1 unless env or pass_env sets it
//	  start_timeout   = "10s"
//	  health_interval = "10s"
//	  max_body        = "10MiB"
//	  timeout         = "30s"             # for the plugin to start answering a request; 504 after
//	  max_in_flight   = "64MiB"           # bodies held at once for a plugin that cannot stream them; >= max_body
//	  config {                           # optional; checked against the plugin's schema
//	    client_id = env("CODER_OAUTH_CLIENT_ID")
//	  }
//	}
//
// The plugin path check here is lexical; the host checks again, following
// symlinks, with the binary's sha256, before it launches any plugin, and
// points at path or sha256 through Plugin.PathRange and SHA256Range (and at
// listen through Config.ListenRange when the address cannot be bound), with
// Config.Diagnose, Warn and Wrap. Expressions inside a config {} block are
// evaluated at load, so an unset env() there is reported before any plugin
// starts; their types wait for the plugin's schema.
// testdata/valid/full.hcl is a complete, commented example.
//
// # Plugin config
//
// DecodePluginConfig maps the plugin's Schema onto hcldec: attributes of type string,
// number, bool, list(string) and map(string); blocks nested single (an
// object), list (an array of objects in source order) or map (an object
// keyed by the block's one label). Attributes and blocks that are absent,
// or set to null, are left out of the JSON, so an empty or missing config
// block decodes to {} when the schema requires nothing.
package config
