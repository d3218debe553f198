# coderhost configuration: runs as-is against the embedded demo Coder
# deployment. Every knob is documented in README.md ("Configuration").

listen       = "127.0.0.1:7008"
external_url = "http://localhost:7007/api/proxy/coder"
plugin_dir   = "bin/plugins"

coder {
  # Point access_url at your deployment instead:
  #   access_url = "https://coder.example.com"
  demo = true
}

backstage {
  app_url       = "http://localhost:3000"
  catalog_files = ["examples/catalog/*.yaml"]
}

proxy {
  allowed_headers = ["Coder-Session-Token"]
}

script "username" {
  file = "scripts/signin/username.js"
  hook = "signin"
}

script "region-by-owner" {
  file = "scripts/params/region-by-owner.js"
  hook = "workspace_params"
}

plugin "hello" {
  path = "bin/plugins/coderhost-plugin-hello"
  config {
    greeting = "Hello"
  }
}

# An entity's Coder workspaces: the list in one Coder request, actions,
# creation and live updates (plugins/workspaces/README.md). The entity
# attributes match the catalog plugin's; the rest are tuning knobs, shown
# with their defaults.
plugin "workspaces" {
  path = "bin/plugins/coderhost-plugin-workspaces"
  config {
    # Template parameters that hold a workspace's repository URL.
    repo_url_param_keys = ["repo_url", "custom_repo"]
    default_template    = "devcontainers"
    repo_url_matching   = "robust"

    cache_ttl            = "5s"
    cache_size           = 1000
    upstream_timeout     = "15s"
    max_streams_per_user = 8
    watch_interval       = "5s"
    watch_idle_interval  = "30s"
    heartbeat_interval   = "15s"
  }
}
