coder {
  demo = true
}

script "username" {
  file = "scripts/signin/missing.js"
  hook = "signin"
}

script "directory" {
  file = "../valid/scripts"
  hook = "signin"
}

script "nofile" {
  hook = "workspace_params"
}
