# Empty strings and nulls leave optional settings at their defaults.
listen       = env("LISTEN", "")
external_url = null
plugin_dir   = "/opt/coderhost/plugins"

coder {
  demo      = true
  demo_seed = "seed.yaml"
}

backstage {
  catalog_files = ["catalog/**.yaml"]
  catalog_token = env("UNSET_TOKEN", "")
}

proxy {
  allowed_headers = []
  max_body        = "512 kb"
}

script "signin" {
  file = "scripts/signin/username.js"
}

plugin "workspaces" {
  path   = "/opt/coderhost/plugins/workspaces"
  config {}
}
