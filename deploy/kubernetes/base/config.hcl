# coderhost in Kubernetes: the config.hcl of the coderhost-config ConfigMap,
# mounted at /etc/coderhost/config/config.hcl. Every replica reads the same file and
# keeps no state of its own, so any replica serves any request.
#
# Deployment-specific values come from the environment: the settings
# ConfigMap (coderhost-settings, plain values) and the coderhost Secret
# (tokens and client secrets); deployment.yaml maps each env() below to one
# of them. Paths under /opt/coderhost are the image's, paths under
# /etc/coderhost are mounted from ConfigMaps and Secrets.

listen           = ":7008"
external_url     = env("CODERHOST_EXTERNAL_URL")
log_format       = "json"
plugin_dir       = "/opt/coderhost/bin/plugins"
# The pod's preStop sleep plus this must stay below
# terminationGracePeriodSeconds (deployment.yaml).
shutdown_timeout = "20s"

coder {
  access_url = env("CODER_ACCESS_URL")
}

backstage {
  app_url       = env("BACKSTAGE_APP_URL")
  backend_url   = env("BACKSTAGE_BACKEND_URL")
  catalog_token = env("BACKSTAGE_CATALOG_TOKEN")
}

proxy {
  allowed_headers = ["Coder-Session-Token"]
}

script "username" {
  file = "/etc/coderhost/scripts/signin/username.js"
  hook = "signin"
}

script "region-by-owner" {
  file = "/etc/coderhost/scripts/params/region-by-owner.js"
  hook = "workspace_params"
}

# Entity → Coder workspace configuration, "Open in Coder" links and the
# Coder templates as catalog entities (plugins/catalog/README.md).
plugin "catalog" {
  path = "/opt/coderhost/bin/plugins/coderhost-plugin-catalog"
  config {
    default_template    = "devcontainers"
    repo_url_param_keys = ["custom_repo", "repo_url"]
    # A token of a Coder user who may read the organization's templates and
    # nothing more.
    templates_token     = env("CODER_TEMPLATES_TOKEN")
  }
}

# An entity's Coder workspaces, actions, creation and live updates
# (plugins/workspaces/README.md). Its caches are per replica and only an
# optimisation: a replica that has not seen a change answers from Coder
# within cache_ttl.
plugin "workspaces" {
  path = "/opt/coderhost/bin/plugins/coderhost-plugin-workspaces"
  # restart answers once the stop build is done (restart_timeout, 2m).
  timeout = "150s"
  config {
    repo_url_param_keys = ["custom_repo", "repo_url"]
    default_template    = "devcontainers"
    cache_ttl           = "5s"
  }
}

# Coder as a Backstage auth provider and sign-in provider
# (plugins/auth/README.md). Every replica signs identity tokens with the
# same key, from the coderhost-auth-signing-key Secret, so a token one
# replica mints verifies against any replica's JWKS; sign-in state, nonces
# and refresh tokens travel in the browser's cookies, so any replica
# continues a sign-in another one started. To rotate, mount the new key
# first in the list and keep the old one after it until its tokens expire.
#
# Browsers reach the provider through Backstage's '/coderhost-auth/coder'
# proxy endpoint (overlays/example/backstage/), so base_url is that public
# URL: the tokens' issuer, the discovery document's base, and with
# /coder/handler/frame the callback to register with the Coder OAuth2 app.
plugin "auth" {
  path = "/opt/coderhost/bin/plugins/coderhost-plugin-auth"
  config {
    client_id         = env("CODER_OAUTH_CLIENT_ID")
    client_secret     = env("CODER_OAUTH_CLIENT_SECRET")
    base_url          = env("CODERHOST_AUTH_BASE_URL")
    signing_key_files = ["/etc/coderhost/auth/signing-key.pem"]
    sign_in {
      resolver "usernameMatchingUserEntityName" {}
      resolver "emailMatchingUserEntityProfileEmail" {}
    }
  }
}
