# coderhost configuration: a reference example setting every knob.
#
# Relative paths are resolved against the directory of this file. Values may
# read the environment with env("NAME") (an error when NAME is unset) or
# env("NAME", "default"). For optional settings an empty string is the same
# as leaving the setting out, so env("NAME", "") can switch one off.

# Address the HTTP server listens on. Default "127.0.0.1:7008".
listen = "127.0.0.1:7008"

# How browsers reach this host: Backstage's proxy route to coderhost.
# Default "http://localhost:7007/api/proxy/coder".
external_url = "https://backstage.example.com/api/proxy/coder"

log_level  = "debug" # debug | info | warn | error; default "info"
log_format = "json"  # text | json; default "text"

# Directory plugin binaries must live in. Default "bin/plugins".
plugin_dir = "bin/plugins"

# Server timeouts (Go durations). Defaults 15s, 10s, 30s, 60s, 120s.
shutdown_timeout    = "20s"
read_header_timeout = "5s"
read_timeout        = "45s" # the whole request, body included; a slower one gets 408
write_timeout       = "2m"
idle_timeout        = "3m"

# Required: which Coder deployment to use. Set exactly one of access_url or
# demo = true (the embedded demo deployment, optionally seeded from
# demo_seed).
coder {
  access_url = "https://coder.example.com/"
}

# Optional: where Backstage is.
backstage {
  app_url           = "https://backstage.example.com"
  backend_url       = "https://backstage.example.com"
  catalog_token     = env("BACKSTAGE_CATALOG_TOKEN") # secret
  catalog_files     = ["catalog/*.yaml", "/srv/catalog/users.yaml"] # read when backend_url is unset
  catalog_cache_ttl = "5m"                                        # default "1m"
}

# Optional: the pass-through to Coder's API.
proxy {
  allowed_methods       = ["GET", "post"]               # default GET, HEAD, POST, PUT, PATCH, DELETE
  allowed_headers       = ["Coder-Session-Token", "X-Trace"] # default ["Coder-Session-Token"]
  headers               = { "X-Extra" = env("PROXY_EXTRA", "extra-secret") } # sent upstream; secret
  forward_cookies       = false # default false
  forward_authorization = true  # default false
  timeout               = "45s" # default "30s"
  max_body              = "1MiB" # bytes, or a size with B, KB, MB, GB, KiB, MiB, GiB; default "10MiB"
}

# Admin JavaScript hooks; any number, names unique.
script "username" {
  file    = "scripts/signin/username.js" # must exist
  hook    = "signin"                     # signin | workspace_params
  timeout = "250ms"                      # default "100ms", at most "10s"
}

# A script named after its hook needs no hook attribute.
script "workspace_params" {
  file = "scripts/params/workspace.js"
}

# Plugins; the label is the plugin id, served at /api/<id>/.
plugin "auth" {
  path            = "bin/plugins/coderhost-plugin-auth" # inside plugin_dir
  sha256          = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
  pass_env        = ["HTTPS_PROXY", "NO_PROXY"]
  env             = { AUTH_DEBUG = "1", AUTH_KEY = env("AUTH_KEY") } # secret values
  start_timeout   = "30s"  # default "10s"
  health_interval = "5s"   # default "10s"
  max_body        = 1048576 # default "10MiB"
  max_in_flight   = "16MiB" # bodies held at once for a plugin that cannot stream them; default "64MiB"
  timeout         = "1m"    # time to start answering a request (504 after); default "30s"

  # Checked against the schema the plugin declares.
  config {
    client_id     = env("CODER_OAUTH_CLIENT_ID")
    client_secret = env("CODER_OAUTH_CLIENT_SECRET")
  }
}

plugin "catalog" {
  path = "bin/plugins/coderhost-plugin-catalog"
}
