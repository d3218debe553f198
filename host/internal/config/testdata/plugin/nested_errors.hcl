coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = "id"
    client_secret = "secret-value"

    cache {
      size = 1
    }
    cache {
      ttl = "1m"
    }

    rule {
      template = "docker"
    }

    resolver "github" {
      url = "https://a.example.com"
    }
    resolver "github" {
      url = "https://b.example.com"
    }
    resolver {
      url = "https://c.example.com"
    }
  }
}
