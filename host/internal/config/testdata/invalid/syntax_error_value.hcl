listen = 

coder {
  demo = true
}
