coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = env("CODER_OAUTH_CLIENT_ID")
    client_secret = env("UNSET_SECRET")
  }
}
