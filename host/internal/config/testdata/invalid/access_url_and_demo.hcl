coder {
  access_url = "https://coder.example.com"
  demo       = true
}
