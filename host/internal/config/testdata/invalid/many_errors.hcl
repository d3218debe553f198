# Every problem in this file is reported at once.
listen    = "7008"
log_level = "verbose"
colour    = true

coder {
  access_url = "coder.example.com"
}

backstage {
  catalog_token = env("BACKSTAGE_CATALOG_TOKEN")
}

proxy {
  timeout  = "30"
  max_body = "lots"
}

script "username" {
  file = "scripts/missing.js"
  hook = "login"
}

plugin "auth" {
  path   = "../outside/auth"
  sha256 = "abc"
}

plugin "auth" {
  path = "bin/plugins/auth"
}
