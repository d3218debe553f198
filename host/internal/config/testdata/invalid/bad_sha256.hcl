coder {
  demo = true
}

plugin "auth" {
  path   = "bin/plugins/auth"
  sha256 = "9f86d081884c7d659a2feaa0c55ad015"
}

plugin "catalog" {
  path   = "bin/plugins/catalog"
  sha256 = "zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}
