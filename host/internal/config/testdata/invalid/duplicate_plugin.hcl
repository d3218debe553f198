coder {
  demo = true
}

plugin "auth" {
  path = "bin/plugins/auth"
}

script "username" {
  file = "../valid/scripts/signin/username.js"
  hook = "signin"
}

plugin "auth" {
  path = "bin/plugins/auth-v2"
}

script "username" {
  file = "../valid/scripts/signin/username.js"
  hook = "signin"
}

coder {
  demo = true
}

plugin "catalog" {
  path = "bin/plugins/catalog"
  config {}
  config {}
}
