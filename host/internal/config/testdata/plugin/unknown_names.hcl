coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = "id"
    client_secret = "secret-value"
    client_idd    = "typo"
    cach {
      ttl = "1m"
    }
    rule {
      match  = "x"
      matchh = "y"
    }
  }
}
