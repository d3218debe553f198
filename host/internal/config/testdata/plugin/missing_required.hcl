coder {
  demo = true
}

plugin "demo" {
  path = "bin/plugins/demo"
  config {
    scopes = []
  }
}
