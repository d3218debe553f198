coder {
  demo = true
}
