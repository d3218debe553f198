listen              = "localhost"
external_url        = "localhost:7007/api/proxy/coder"
log_level           = "warning"
log_format          = "xml"
shutdown_timeout    = "15"
read_header_timeout = "-1s"
write_timeout       = "forever"

coder {
  access_url = "ftp://coder.example.com"
}

backstage {
  app_url           = "http://"
  backend_url       = "http://localhost:7007/?x=1"
  catalog_cache_ttl = "0s"
  catalog_files     = ["catalog/[a-.yaml"]
}

proxy {
  allowed_methods = ["GET", "FETCH"]
  allowed_headers = ["Bad Header"]
  max_body        = "10 parsecs"
  timeout         = "1h"
}

plugin "auth" {
  path          = "bin/plugins/auth"
  max_body      = 1.5
  start_timeout = "10"
  pass_env      = ["1BAD"]
  env           = { "BAD-NAME" = "x" }
}
