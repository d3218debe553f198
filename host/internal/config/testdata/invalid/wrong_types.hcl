log_level = ["debug"]

coder {
  demo = "maybe"
}

proxy {
  allowed_methods = "GET"
  headers         = ["X-Extra"]
  forward_cookies = "yes"
  max_body        = true
}

plugin "auth" {
  path     = "bin/plugins/auth"
  pass_env = ["HOME", null]
  env      = { A = { b = 1 } }
}
