coder {
  demo = true
}

plugin "demo" {
  path          = "bin/plugins/demo"
  max_body      = "20MiB"
  max_in_flight = "10MiB"
  timeout       = "0s"
}
