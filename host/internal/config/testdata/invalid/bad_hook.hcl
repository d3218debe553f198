coder {
  demo = true
}

script "username" {
  file = "../valid/scripts/signin/username.js"
  hook = "sign_in"
}

script "params" {
  file    = "../valid/scripts/params/workspace.js"
  timeout = "30s"
}
