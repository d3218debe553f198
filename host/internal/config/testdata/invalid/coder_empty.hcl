coder {
  demo      = false
  demo_seed = "seed.yaml"
}
