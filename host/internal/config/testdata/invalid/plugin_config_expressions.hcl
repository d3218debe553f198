coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    greeting = upper("hi")
    region   = var.region
    cache {
      ttl = env("CACHE_TTL")
    }
  }
}
