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

# Entity → Coder workspace configuration, "Open in Coder" links and badges,
# and the Coder templates as catalog entities (plugins/catalog/README.md).
plugin "catalog" {
  path = "bin/plugins/coderhost-plugin-catalog"
  config {
    default_template    = "devcontainers"
    repo_url_param_keys = ["custom_repo", "repo_url"]
    # Lists the templates for /api/catalog/v1/templates/catalog-info.yaml.
    # The fallback is the demo admin's public session token (see
    # examples/catalog/README.md), so the demo needs no setup; set
    # CODER_TEMPLATES_TOKEN to a real token when access_url points at your
    # deployment.
    templates_token = env("CODER_TEMPLATES_TOKEN", "DemoAdmin1-DemoOnlyNotASecret0002")
  }
}

# An entity's Coder workspaces: the list in one Coder request, actions,
# creation and live updates (plugins/workspaces/README.md). The entity
# attributes match the catalog plugin's; the rest are tuning knobs, shown
# with their defaults.
plugin "workspaces" {
  path = "bin/plugins/coderhost-plugin-workspaces"
  # restart answers once the stop build is done (restart_timeout, 2m).
  timeout = "150s"
  config {
    # Template parameters that hold a workspace's repository URL.
    repo_url_param_keys = ["custom_repo", "repo_url"]
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

# Coder as a Backstage auth provider (/api/auth/coder/*) and sign-in
# provider; plugins/auth/README.md explains the Backstage side. The defaults
# are the demo deployment's "backstage" OAuth2 app: for a real Coder, set
# CODER_OAUTH_CLIENT_ID and CODER_OAUTH_CLIENT_SECRET to your app's, and
# CODERHOST_AUTH_SIGNING_KEY_FILE to a P-256 PEM key (without one, only the
# demo deployment signs in, with a key generated at startup).
plugin "auth" {
  path = "bin/plugins/coderhost-plugin-auth"
  config {
    client_id         = env("CODER_OAUTH_CLIENT_ID", "bac57a9e-0000-4000-8000-00000000c0de")
    client_secret     = env("CODER_OAUTH_CLIENT_SECRET", "coder_demoprefix_backstagedemoclientsecretnotsecret000001")
    signing_key_files = [env("CODERHOST_AUTH_SIGNING_KEY_FILE", "")]
    sign_in {
      resolver "usernameMatchingUserEntityName" {}
      resolver "emailMatchingUserEntityProfileEmail" {}
    }
  }
}
