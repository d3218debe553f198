codr {
  demo = true
}

coder {
  demo = true
}

proxies {
}
