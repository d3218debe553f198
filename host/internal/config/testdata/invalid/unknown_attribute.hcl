listn = "127.0.0.1:7008"

coder {
  demo = true
  acess_url = "https://coder.example.com"
}

plugin "auth" {
  pat = "bin/plugins/coderhost-plugin-auth"
  config = {}
}
