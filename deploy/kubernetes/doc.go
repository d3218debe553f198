// Package kubernetes holds the tests of the Kubernetes manifests beside it:
// base/ (a Deployment of interchangeable replicas, its Service, ConfigMaps,
// PodDisruptionBudget and ServiceAccount), components/servicemonitor and
// overlays/example. The tests render each kustomization with kustomize's
// Go API, decode every object strictly into the Kubernetes API types, check
// that the pieces agree (probes, ports, selectors, env() references, drain
// timing, the Backstage app-config), and run the pod the rendered objects
// describe from the image layout, read-only and as its user.
package kubernetes
