coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    client_id     = env("CODER_OAUTH_CLIENT_ID")
    client_secret = env("CODER_OAUTH_CLIENT_SECRET")
    scopes        = ["openid", "profile"]
    max_age       = 3600
    insecure      = false
    labels        = { team = "platform", tier = "1" }
    api_keys      = ["key-one-secret", "key-two-secret"]

    cache {
      ttl  = "5m"
      size = 128
    }

    rule {
      match    = "repo:*"
      template = "docker"
    }
    rule {
      match = "team:platform"
    }

    resolver "github" {
      url   = "https://github.example.com"
      token = env("GITHUB_TOKEN", "resolver-token-secret")
    }
    resolver "gitlab" {
      url = "https://gitlab.example.com"
    }
  }
}
