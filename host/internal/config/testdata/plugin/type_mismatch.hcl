coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = 42
    client_secret = ["not", "a", "string"]
    scopes        = "openid"
    max_age       = "an hour"
    insecure      = "sometimes"
    labels        = ["a", "b"]
    cache         = { ttl = "1m" }
  }
}
