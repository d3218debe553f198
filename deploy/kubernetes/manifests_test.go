package kubernetes

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/coderhost/coderhost/deploy/internal/imagetest"
)

func TestEveryObjectDecodesStrictly(t *testing.T) {
	want := map[string][]string{
		"base":             {"Deployment/coderhost", "Service/coderhost", "PodDisruptionBudget/coderhost", "ServiceAccount/coderhost"},
		"overlays/example": {"Deployment/coderhost", "Service/coderhost", "PodDisruptionBudget/coderhost", "ServiceAccount/coderhost", "Namespace/coderhost", "ServiceMonitor/coderhost"},
	}
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir) // fails on any object that does not decode
			for _, id := range want[dir] {
				if _, ok := r.raw[id]; !ok {
					t.Errorf("renders no %s (got %v)", id, keys(r.raw))
				}
			}
			for _, cm := range []string{"coderhost-config", "coderhost-scripts", "coderhost-settings"} {
				if !slices.ContainsFunc(keys(r.raw), func(id string) bool { return strings.HasPrefix(id, "ConfigMap/"+cm+"-") }) {
					t.Errorf("renders no generated ConfigMap %s-<hash>", cm)
				}
			}
		})
	}
}

// The decoder the tests use does catch mistakes: a misspelt or misplaced
// field in a rendered object fails.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	r := render(t, "base")
	cases := []struct{ name, id, old, new, want string }{
		{"misspelt probe", "Deployment/coderhost", "readinessProbe:", "readynessProbe:", "readynessProbe"},
		{"field at the wrong level", "Service/coderhost", "  type: ClusterIP", "  type: ClusterIP\n  replicas: 2", "replicas"},
		{"unknown kind", "Service/coderhost", "kind: Service", "kind: Servise", "not a kind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := string(r.raw[tc.id])
			if !strings.Contains(y, tc.old) {
				t.Fatalf("%s has no %q:\n%s", tc.id, tc.old, y)
			}
			_, err := decodeStrict([]byte(strings.Replace(y, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decoding with %q: %v, want an error naming %q", tc.new, err, tc.want)
			}
		})
	}
}

// podConfig is the config.hcl the pod runs: the file its -config argument
// names, from the volume mounted there.
func (r *rendered) podConfig(t *testing.T) (*imagetest.Config, string) {
	t.Helper()
	files := r.podFiles(t, nil)
	p := configArg(r.container(t).Args)
	if p == "" {
		t.Fatalf("%s: the container's args name no -config file: %q", r.dir, r.container(t).Args)
	}
	src, ok := files[p]
	if !ok {
		t.Fatalf("%s: -config %s is not a file any volume mounts (mounted: %v)", r.dir, p, keys(files))
	}
	cfg, err := imagetest.ParseConfig(r.dir+":"+p, []byte(src.data))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, p
}

func configArg(args []string) string {
	for i, a := range args {
		if (a == "-config" || a == "--config") && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "-config="); ok {
			return v
		}
	}
	return ""
}

// podFile is one file a volume puts into the container.
type podFile struct {
	data string
	mode os.FileMode
}

// podFiles returns every file the pod's volumes mount, by absolute path in
// the container. ConfigMap data comes from the rendered ConfigMaps; Secret
// data from secrets (Secret name → key → value), and a Secret key the map
// lacks fails the test. A nil map leaves Secret volumes out.
func (r *rendered) podFiles(t *testing.T, secrets map[string]map[string]string) map[string]podFile {
	t.Helper()
	c := r.container(t)
	vols := map[string]corev1.Volume{}
	for _, v := range r.deploy.Spec.Template.Spec.Volumes {
		vols[v.Name] = v
	}
	files := map[string]podFile{}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			t.Fatalf("%s: volumeMount %q names no volume", r.dir, m.Name)
		}
		var data map[string]string
		var items []corev1.KeyToPath
		mode := int32(0o644)
		switch {
		case v.ConfigMap != nil:
			cm, ok := r.configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("%s: volume %q mounts ConfigMap %q, which the manifests do not create", r.dir, v.Name, v.ConfigMap.Name)
			}
			data, items = cm.Data, v.ConfigMap.Items
			if v.ConfigMap.DefaultMode != nil {
				mode = *v.ConfigMap.DefaultMode
			}
		case v.Secret != nil:
			if secrets == nil {
				continue
			}
			var ok bool
			if data, ok = secrets[v.Secret.SecretName]; !ok {
				t.Fatalf("%s: volume %q mounts Secret %q; the test has no content for it", r.dir, v.Name, v.Secret.SecretName)
			}
			items = v.Secret.Items
			if v.Secret.DefaultMode != nil {
				mode = *v.Secret.DefaultMode
			}
		case v.EmptyDir != nil:
			continue
		default:
			t.Fatalf("%s: volume %q: the test knows ConfigMap, Secret and emptyDir volumes only", r.dir, v.Name)
		}
		if m.SubPath != "" {
			d, ok := data[m.SubPath]
			if !ok {
				t.Fatalf("%s: mount %q: subPath %q is no key of its volume", r.dir, m.Name, m.SubPath)
			}
			files[m.MountPath] = podFile{d, os.FileMode(mode)}
			continue
		}
		if len(items) == 0 {
			for k := range data {
				items = append(items, corev1.KeyToPath{Key: k, Path: k})
			}
		}
		for _, it := range items {
			d, ok := data[it.Key]
			if !ok {
				t.Fatalf("%s: volume %q lists key %q, which its source lacks", r.dir, v.Name, it.Key)
			}
			fm := mode
			if it.Mode != nil {
				fm = *it.Mode
			}
			files[path.Join(m.MountPath, it.Path)] = podFile{d, os.FileMode(fm)}
		}
	}
	return files
}

// env resolves the container's environment the way the kubelet does:
// literal values, ConfigMap keys from the rendered ConfigMaps, Secret keys
// from secrets. A reference to a ConfigMap or key that is not there fails.
func (r *rendered) env(t *testing.T, secrets map[string]map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range r.container(t).Env {
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := r.configMaps[ref.Name]
			if !ok {
				t.Fatalf("%s: env %s: ConfigMap %q is not in the manifests", r.dir, e.Name, ref.Name)
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				t.Fatalf("%s: env %s: ConfigMap %q has no key %q", r.dir, e.Name, ref.Name, ref.Key)
			}
			out[e.Name] = v
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if secrets == nil {
				out[e.Name] = ""
				continue
			}
			v, ok := secrets[ref.Name][ref.Key]
			if !ok {
				t.Fatalf("%s: env %s: the test has no value for Secret %q key %q", r.dir, e.Name, ref.Name, ref.Key)
			}
			out[e.Name] = v
		default:
			t.Fatalf("%s: env %s: the test knows value, configMapKeyRef and secretKeyRef only", r.dir, e.Name)
		}
	}
	return out
}

var secretName = regexp.MustCompile(`TOKEN|SECRET|PASSWORD|KEY`)

// Every env() the ConfigMap's config.hcl reads is set in the container,
// secrets from a Secret, and nothing else is set for the config.
func TestEveryEnvReadIsProvided(t *testing.T) {
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir)
			cfg, _ := r.podConfig(t)
			calls, err := cfg.EnvCalls()
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) == 0 {
				t.Fatal("the config reads no env(): deployment-specific values would be baked into the ConfigMap")
			}
			byName := map[string]corev1.EnvVar{}
			for _, e := range r.container(t).Env {
				byName[e.Name] = e
			}
			r.env(t, nil) // every ConfigMap reference resolves
			for _, call := range calls {
				e, ok := byName[call.Name]
				if !ok {
					t.Errorf("%s: env(%q) is not set in the container", call.Pos, call.Name)
					continue
				}
				if secretName.MatchString(call.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					t.Errorf("%s: env(%q) holds a secret but does not come from a Secret", call.Pos, call.Name)
				}
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional && !call.HasDefault {
					t.Errorf("%s: env(%q) has no default, so its Secret key must not be optional", call.Pos, call.Name)
				}
			}
		})
	}
}

func TestDeploymentServesReplicasSafely(t *testing.T) {
	img, err := imagetest.ReadDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	imageUID, _, _ := strings.Cut(img.User, ":")
	minReplicas := map[string]int32{"base": 2, "overlays/example": 3}
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir)
			spec := r.deploy.Spec
			pod := spec.Template.Spec
			c := r.container(t)
			cfg, _ := r.podConfig(t)

			if spec.Replicas == nil || *spec.Replicas < minReplicas[dir] {
				t.Errorf("replicas %v, want at least %d", spec.Replicas, minReplicas[dir])
			}
			if ru := spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
				t.Errorf("a rolling update may take serving replicas away before new ones are ready: %+v", spec.Strategy)
			}

			// Ports: the probes and the Service reach what config.hcl listens on.
			listen, err := cfg.Attr("listen")
			if err != nil {
				t.Fatal(err)
			}
			_, portStr, err := net.SplitHostPort(listen)
			if err != nil {
				t.Fatalf("config listen %q: %v", listen, err)
			}
			if host, _, _ := net.SplitHostPort(listen); host != "" && host != "0.0.0.0" && host != "::" {
				t.Errorf("config listen %q is not on every interface: the kubelet and the Service could not reach it", listen)
			}
			port, _ := strconv.Atoi(portStr)
			portOf := func(p intstr.IntOrString) int {
				if p.Type == intstr.Int {
					return p.IntValue()
				}
				for _, cp := range c.Ports {
					if cp.Name == p.StrVal {
						return int(cp.ContainerPort)
					}
				}
				t.Errorf("port %q is not a container port name", p.StrVal)
				return -1
			}
			probes := []struct {
				name  string
				probe *corev1.Probe
				path  string
			}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}}
			if c.StartupProbe != nil {
				probes = append(probes, struct {
					name  string
					probe *corev1.Probe
					path  string
				}{"startup", c.StartupProbe, "/healthz"})
			}
			for _, p := range probes {
				if p.probe == nil || p.probe.HTTPGet == nil {
					t.Errorf("no %s probe over HTTP", p.name)
					continue
				}
				if p.probe.HTTPGet.Path != p.path || portOf(p.probe.HTTPGet.Port) != port {
					t.Errorf("%s probe GET %s on port %d, want %s on %d (config listen %q)", p.name, p.probe.HTTPGet.Path, portOf(p.probe.HTTPGet.Port), p.path, port, listen)
				}
			}
			for _, sp := range r.service.Spec.Ports {
				if got := portOf(sp.TargetPort); got != port {
					t.Errorf("Service port %q targets %d, config listens on %d", sp.Name, got, port)
				}
			}

			// Selectors pick exactly this Deployment's pods.
			podLabels := labels.Set(spec.Template.Labels)
			if sel := labels.SelectorFromSet(r.service.Spec.Selector); len(r.service.Spec.Selector) == 0 || !sel.Matches(podLabels) {
				t.Errorf("Service selector %v does not select the pods %v", r.service.Spec.Selector, podLabels)
			}
			if r.pdb.Spec.Selector == nil || !labels.SelectorFromSet(r.pdb.Spec.Selector.MatchLabels).Matches(podLabels) {
				t.Errorf("PodDisruptionBudget selector %v does not select the pods %v", r.pdb.Spec.Selector, podLabels)
			}
			if mu := r.pdb.Spec.MaxUnavailable; mu == nil || mu.IntValue() < 1 || int32(mu.IntValue()) >= *spec.Replicas {
				t.Errorf("PodDisruptionBudget maxUnavailable %v: want at least 1 and fewer than the %d replicas", mu, *spec.Replicas)
			}
			for _, sm := range r.monitors {
				if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(r.service.Labels)) {
					t.Errorf("ServiceMonitor selector %v does not select the Service %v", sm.Spec.Selector.MatchLabels, r.service.Labels)
				}
				for _, ep := range sm.Spec.Endpoints {
					if !slices.ContainsFunc(r.service.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) || ep.Path != "/metrics" {
						t.Errorf("ServiceMonitor endpoint port %q path %q: want a Service port name and /metrics", ep.Port, ep.Path)
					}
				}
			}

			// Drain: SIGTERM comes after preStop; the grace period must cover
			// the sleep, shutdown_timeout and stopping the plugins.
			shutdown := 15 * time.Second // coderhost's default
			if s, err := cfg.Attr("shutdown_timeout"); err != nil {
				t.Fatal(err)
			} else if s != "" {
				if shutdown, err = time.ParseDuration(s); err != nil {
					t.Fatal(err)
				}
			}
			if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Sleep.Seconds < 5 {
				t.Errorf("no preStop sleep of at least 5s: endpoints would still send requests to a pod that stopped accepting")
			} else {
				sleep := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
				grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
				if grace < sleep+shutdown+3*time.Second {
					t.Errorf("terminationGracePeriodSeconds %s < preStop %s + shutdown_timeout %s + 3s to stop plugins: the drain would be cut off by SIGKILL", grace, sleep, shutdown)
				}
			}

			// Resources and Pod Security "restricted".
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[res]; !ok {
					t.Errorf("no %s request", res)
				}
			}
			if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
				t.Errorf("no memory limit")
			}
			psc, sc := pod.SecurityContext, c.SecurityContext
			if psc == nil || sc == nil {
				t.Fatal("pod or container securityContext missing")
			}
			checks := []struct {
				ok   bool
				what string
			}{
				{psc.RunAsNonRoot != nil && *psc.RunAsNonRoot, "runAsNonRoot"},
				{psc.RunAsUser != nil && strconv.FormatInt(*psc.RunAsUser, 10) == imageUID, "runAsUser is the image's USER " + imageUID},
				{psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault, "seccomp RuntimeDefault"},
				{sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation false"},
				{sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem"},
				{sc.Capabilities != nil && slices.Contains(sc.Capabilities.Drop, "ALL"), "capabilities drop ALL"},
				{pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken, "no service account token"},
			}
			for _, ch := range checks {
				if !ch.ok {
					t.Errorf("securityContext: want %s", ch.what)
				}
			}
			vols := map[string]corev1.Volume{}
			for _, v := range pod.Volumes {
				vols[v.Name] = v
			}
			if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.MountPath == "/tmp" && vols[m.Name].EmptyDir != nil
			}) {
				t.Errorf("/tmp is not an emptyDir: with a read-only root the host cannot create the plugins' sockets")
			}

			// Every script and plugin the config names is in the pod.
			files := r.podFiles(t, nil)
			for _, s := range cfg.Scripts() {
				if _, ok := files[s]; !ok {
					t.Errorf("script %s is not in any mounted volume (mounted: %v)", s, keys(files))
				}
			}
			for _, p := range cfg.Plugins() {
				if !strings.HasPrefix(p.Path, imagetest.ImageDir+"/bin/plugins/") {
					t.Errorf("plugin %q path %q is not the image's", p.ID, p.Path)
				}
			}
		})
	}
}

// The image's first-party plugins are all loaded by the manifests' config,
// and the ConfigMap's scripts are the shipped ones.
func TestConfigMatchesTheImage(t *testing.T) {
	r := render(t, "base")
	cfg, _ := r.podConfig(t)
	loaded := map[string]bool{}
	for _, p := range cfg.Plugins() {
		loaded[p.ID] = true
	}
	for _, id := range imagetest.FirstPartyPlugins(t) {
		if !loaded[id] {
			t.Errorf("base/config.hcl loads no plugin %q (plugins/%s is in the image)", id, id)
		}
	}
	for _, f := range []string{"signin/username.js", "params/region-by-owner.js"} {
		shipped, err := os.ReadFile(path.Join(imagetest.RepoRoot(), "scripts", f))
		if err != nil {
			t.Fatal(err)
		}
		copied, err := os.ReadFile(path.Join("base", "scripts", f))
		if err != nil {
			t.Fatal(err)
		}
		if string(shipped) != string(copied) {
			t.Errorf("deploy/kubernetes/base/scripts/%s differs from scripts/%s: copy the shipped script again", f, f)
		}
	}
}

// The Backstage app-config beside the overlay points at the Service the
// overlay creates, and agrees with the URLs coderhost is given.
func TestBackstageAppConfigMatchesTheOverlay(t *testing.T) {
	r := render(t, "overlays/example")
	b, err := os.ReadFile("overlays/example/backstage/app-config.coderhost.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var appConfig struct {
		App     struct{ BaseURL string } `json:"app"`
		Backend struct {
			BaseURL string `json:"baseUrl"`
			Reading struct {
				Allow []struct{ Host string } `json:"allow"`
			} `json:"reading"`
		} `json:"backend"`
		Proxy struct {
			Endpoints map[string]struct {
				Target string `json:"target"`
			} `json:"endpoints"`
		} `json:"proxy"`
		Catalog struct {
			Locations []struct{ Type, Target string } `json:"locations"`
		} `json:"catalog"`
		Discovery struct {
			Endpoints []struct {
				Target  any      `json:"target"`
				Plugins []string `json:"plugins"`
			} `json:"endpoints"`
		} `json:"discovery"`
	}
	if err := yaml.Unmarshal(b, &appConfig); err != nil {
		t.Fatal(err)
	}
	ns := r.service.Namespace
	if ns == "" {
		t.Fatal("the overlay sets no namespace")
	}
	svcHost := fmt.Sprintf("%s.%s.svc.cluster.local", r.service.Name, ns)
	svcPorts := map[string]bool{}
	for _, p := range r.service.Spec.Ports {
		svcPorts[strconv.Itoa(int(p.Port))] = true
	}
	checkTarget := func(what, target string) {
		u, err := url.Parse(target)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if u.Hostname() != svcHost || !svcPorts[u.Port()] {
			t.Errorf("%s target %s: want host %s and a port of Service %s/%s", what, target, svcHost, ns, r.service.Name)
		}
	}
	if len(appConfig.Proxy.Endpoints) == 0 {
		t.Fatal("no proxy endpoints")
	}
	for name, ep := range appConfig.Proxy.Endpoints {
		checkTarget("proxy endpoint "+name, ep.Target)
	}
	settings := r.env(t, nil)
	for _, ep := range appConfig.Discovery.Endpoints {
		switch tg := ep.Target.(type) {
		case string:
			checkTarget(fmt.Sprintf("discovery %v", ep.Plugins), tg)
		case map[string]any:
			checkTarget(fmt.Sprintf("discovery %v internal", ep.Plugins), fmt.Sprint(tg["internal"]))
			// Backstage checks a user token's issuer against auth's external
			// URL, and the auth plugin issues them as base_url.
			if slices.Contains(ep.Plugins, "auth") && tg["external"] != settings["CODERHOST_AUTH_BASE_URL"] {
				t.Errorf("discovery auth external %v, want CODERHOST_AUTH_BASE_URL %q", tg["external"], settings["CODERHOST_AUTH_BASE_URL"])
			}
		}
	}
	for _, loc := range appConfig.Catalog.Locations {
		checkTarget("catalog location", loc.Target)
		u, _ := url.Parse(loc.Target)
		if !slices.ContainsFunc(appConfig.Backend.Reading.Allow, func(a struct{ Host string }) bool { return a.Host == u.Host }) {
			t.Errorf("catalog location %s: backend.reading.allow lacks host %s, so Backstage would refuse to read it", loc.Target, u.Host)
		}
	}

	if want := appConfig.Backend.BaseURL + "/api/proxy/coder"; settings["CODERHOST_EXTERNAL_URL"] != want {
		t.Errorf("CODERHOST_EXTERNAL_URL %q, want %q (Backstage's backend.baseUrl and its /coder proxy endpoint)", settings["CODERHOST_EXTERNAL_URL"], want)
	}
	if settings["BACKSTAGE_APP_URL"] != appConfig.App.BaseURL {
		t.Errorf("BACKSTAGE_APP_URL %q, want Backstage's app.baseUrl %q", settings["BACKSTAGE_APP_URL"], appConfig.App.BaseURL)
	}
	if _, ok := appConfig.Proxy.Endpoints["/coder"]; !ok {
		t.Errorf("no '/coder' proxy endpoint, which CODERHOST_EXTERNAL_URL names")
	}
	if base, ok := settings["CODERHOST_AUTH_BASE_URL"]; ok {
		ep, found := appConfig.Proxy.Endpoints["/coderhost-auth/coder"]
		if want := appConfig.Backend.BaseURL + "/api/proxy/coderhost-auth"; base != want || !found {
			t.Errorf("CODERHOST_AUTH_BASE_URL %q, want %q with a '/coderhost-auth/coder' proxy endpoint (found: %v)", base, want, found)
		} else if u, _ := url.Parse(ep.Target); u.Path != "/api/auth/coder" {
			t.Errorf("'/coderhost-auth/coder' targets %s, want coderhost's /api/auth/coder only", ep.Target)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
