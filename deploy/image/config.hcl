# The container image's default configuration (/opt/coderhost/config.hcl):
# runs as-is against the embedded demo Coder deployment. The image build pins
# each plugin binary's sha256 here (deploy/image/pin-plugins.sh). In
# Kubernetes a ConfigMap replaces this file (deploy/kubernetes/).

listen       = ":7008"
external_url = env("CODERHOST_EXTERNAL_URL", "http://localhost:7007/api/proxy/coder")
log_format   = "json"
plugin_dir   = "bin/plugins"

coder {
  demo = true
}

backstage {
  app_url       = env("BACKSTAGE_APP_URL", "http://localhost:3000")
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

# Entity → Coder workspace configuration, "Open in Coder" links and the
# Coder templates as catalog entities (plugins/catalog/README.md). The token
# fallback is the demo admin's public token; set CODER_TEMPLATES_TOKEN with
# a real deployment.
plugin "catalog" {
  path = "bin/plugins/coderhost-plugin-catalog"
  config {
    default_template    = "devcontainers"
    repo_url_param_keys = ["custom_repo", "repo_url"]
    templates_token     = env("CODER_TEMPLATES_TOKEN", "DemoAdmin1-DemoOnlyNotASecret0002")
  }
}

# An entity's Coder workspaces, actions, creation and live updates
# (plugins/workspaces/README.md).
plugin "workspaces" {
  path = "bin/plugins/coderhost-plugin-workspaces"
  # restart answers once the stop build is done (restart_timeout, 2m).
  timeout = "150s"
  config {
    repo_url_param_keys = ["custom_repo", "repo_url"]
    default_template    = "devcontainers"
  }
}

# Coder as a Backstage auth provider and sign-in provider
# (plugins/auth/README.md). The defaults are the demo deployment's
# "backstage" OAuth2 app; for a real Coder set CODER_OAUTH_CLIENT_ID,
# CODER_OAUTH_CLIENT_SECRET and CODERHOST_AUTH_SIGNING_KEY_FILE (a P-256 PEM
# key mounted into the container).
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
