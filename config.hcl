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
