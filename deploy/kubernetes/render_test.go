package kubernetes

import (
	"fmt"
	"path/filepath"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizations are the directories an operator applies with
// `kubectl apply -k`.
var kustomizations = []string{"base", "overlays/example"}

// newObject returns an empty typed object for the kinds the manifests may
// hold; any other kind is a mistake the tests report.
func newObject(gvk schema.GroupVersionKind) (any, bool) {
	switch gvk {
	case schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}:
		return &corev1.Namespace{}, true
	case schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}:
		return &corev1.ServiceAccount{}, true
	case schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}:
		return &corev1.ConfigMap{}, true
	case schema.GroupVersionKind{Version: "v1", Kind: "Secret"}:
		return &corev1.Secret{}, true
	case schema.GroupVersionKind{Version: "v1", Kind: "Service"}:
		return &corev1.Service{}, true
	case schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}:
		return &appsv1.Deployment{}, true
	case schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}:
		return &policyv1.PodDisruptionBudget{}, true
	case schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "ServiceMonitor"}:
		return &monitoringv1.ServiceMonitor{}, true
	}
	return nil, false
}

// rendered is one kustomization's output, decoded.
type rendered struct {
	dir        string
	raw        map[string][]byte // "Kind/name" → the object's YAML
	namespaces []*corev1.Namespace
	configMaps map[string]*corev1.ConfigMap
	deploy     *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	monitors   []*monitoringv1.ServiceMonitor
	accounts   []*corev1.ServiceAccount
}

// decodeStrict decodes one object's YAML into its Kubernetes type; a field
// the type lacks, or one given twice, is an error.
func decodeStrict(y []byte) (any, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(y, &meta); err != nil {
		return nil, err
	}
	gv, err := schema.ParseGroupVersion(meta.APIVersion)
	if err != nil {
		return nil, err
	}
	obj, ok := newObject(gv.WithKind(meta.Kind))
	if !ok {
		return nil, fmt.Errorf("%s %s: not a kind these manifests should hold", meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(y, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", meta.Kind, err)
	}
	return obj, nil
}

// render runs kustomize on dir (relative to this package) and decodes
// every object strictly.
func render(t *testing.T, dir string) *rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(".", dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	r := &rendered{dir: dir, raw: map[string][]byte{}, configMaps: map[string]*corev1.ConfigMap{}}
	for _, res := range m.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		id := res.GetKind() + "/" + res.GetName()
		r.raw[id] = y
		obj, err := decodeStrict(y)
		if err != nil {
			t.Errorf("%s: %s: %v", dir, id, err)
			continue
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			r.namespaces = append(r.namespaces, o)
		case *corev1.ConfigMap:
			r.configMaps[o.Name] = o
		case *corev1.ServiceAccount:
			r.accounts = append(r.accounts, o)
		case *corev1.Secret:
			t.Errorf("%s: %s: secrets do not belong in the manifests; reference a Secret the operator creates", dir, id)
		case *appsv1.Deployment:
			if r.deploy != nil {
				t.Errorf("%s: more than one Deployment", dir)
			}
			r.deploy = o
		case *corev1.Service:
			r.service = o
		case *policyv1.PodDisruptionBudget:
			r.pdb = o
		case *monitoringv1.ServiceMonitor:
			r.monitors = append(r.monitors, o)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for what, missing := range map[string]bool{"Deployment": r.deploy == nil, "Service": r.service == nil, "PodDisruptionBudget": r.pdb == nil} {
		if missing {
			t.Fatalf("%s renders no %s", dir, what)
		}
	}
	return r
}

// container is the coderhost container of the Deployment.
func (r *rendered) container(t *testing.T) *corev1.Container {
	t.Helper()
	cs := r.deploy.Spec.Template.Spec.Containers
	for i := range cs {
		if cs[i].Name == "coderhost" {
			return &cs[i]
		}
	}
	t.Fatalf("%s: the Deployment has no container named coderhost", r.dir)
	return nil
}
