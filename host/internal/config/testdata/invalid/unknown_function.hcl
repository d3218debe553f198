coder {
  access_url = file("url.txt")
}

backstage {
  catalog_token = var.token
}
