listen = "127.0.0.1:7008"

coder {
  demo = true

plugin "auth" {
  path = "bin/plugins/auth"
}
