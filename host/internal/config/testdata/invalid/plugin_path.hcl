plugin_dir = "bin/plugins"

coder {
  demo = true
}

plugin "auth" {
  path = "bin/plugins/../../auth"
}

plugin "catalog" {
  path = "/usr/local/bin/coderhost-plugin-catalog"
}

plugin "Bad_ID" {
  path = "bin/plugins/bad"
}

plugin "nopath" {
}
