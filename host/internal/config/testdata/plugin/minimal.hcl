coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = "id"
    client_secret = "secret-value"
    scopes        = null
  }
}
