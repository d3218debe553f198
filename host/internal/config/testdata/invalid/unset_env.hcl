coder {
  access_url = env("CODER_URL")
}

backstage {
  catalog_token = env("BACKSTAGE_CATALOG_TOKEN")
  app_url       = "${env("APP_HOST", "http://localhost")}:${env("APP_PORT")}"
}

proxy {
  headers = { "X-Extra" = env("") }
  timeout = env("A", "b", "c")
}
