// helm-render renders the Piko Helm chart the way `helm template` does, for machines without the
// helm binary (CI here installs only Debian packages, and Debian ships no helm). It implements
// the subset of Helm the chart uses: Go text/template with Sprig's functions, Helm's include, tpl,
// required, toYaml and fromYaml, .Values (values.yaml deep-merged with -f files), .Release,
// .Chart and .Template, and missing keys rendering as empty strings.
//
// Build deps (GOPATH mode, where Debian puts sprig v3 at its unversioned path): golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run deploy/helm-render/main.go \
//	    -chart deploy/helm/piko -release piko [-f extra-values.yaml] [-out deploy/kubernetes]
//
// Without -out it prints the manifests as one multi-document stream on stdout. With -out it
// writes one file per template plus a kustomization.yaml listing them.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yamlv2 "gopkg.in/yaml.v2"
	"gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	chartDir := flag.String("chart", "deploy/helm/piko", "chart directory")
	release := flag.String("release", "piko", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	outDir := flag.String("out", "", "directory to write one manifest per template (and kustomization.yaml)")
	var extra valueFiles
	flag.Var(&extra, "f", "values file merged over values.yaml (repeatable)")
	flag.Parse()
	if err := run(*chartDir, *release, *namespace, *outDir, extra); err != nil {
		fmt.Fprintln(os.Stderr, "helm-render:", err)
		os.Exit(1)
	}
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// merge deep-merges src over dst, as Helm coalesces -f files over the chart's values.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

func toYAML(v interface{}) string {
	// Helm marshals through sigs.k8s.io/yaml, which ends in yaml.v2: sorted keys, v2 layout.
	out, err := yamlv2.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func run(chartDir, release, namespace, outDir string, extra []string) error {
	chart, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range extra {
		m, err := readYAMLMap(f)
		if err != nil {
			return err
		}
		values = merge(values, m)
	}
	chartName, _ := chart["name"].(string)
	chartObj := map[string]interface{}{
		"Name": chartName, "Version": chart["version"], "AppVersion": chart["appVersion"],
		"Description": chart["description"],
	}

	root := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	root.Funcs(funcs)

	tplDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(tplDir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := chartName + "/templates/" + e.Name()
		raw, err := os.ReadFile(filepath.Join(tplDir, e.Name()))
		if err != nil {
			return err
		}
		if _, err := root.New(name).Parse(string(raw)); err != nil {
			return err
		}
		if !strings.HasPrefix(e.Name(), "_") && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, name)
		}
	}
	sort.Strings(names)

	var stream strings.Builder
	var files []string
	for _, name := range names {
		data := map[string]interface{}{
			"Values":   values,
			"Chart":    chartObj,
			"Release":  map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
			"Template": map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return err
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		var docs []string
		for _, doc := range strings.Split(rendered, "\n---") {
			if isBlank(doc) {
				continue
			}
			docs = append(docs, "---\n# Source: "+name+"\n"+strings.Trim(doc, "\n")+"\n")
		}
		if len(docs) == 0 {
			continue
		}
		text := strings.Join(docs, "")
		stream.WriteString(text)
		if outDir != "" {
			file := strings.TrimPrefix(name, chartName+"/templates/")
			files = append(files, file)
			header := "# Generated from deploy/helm/piko with its default values by deploy/helm-render; do not edit.\n"
			if err := os.WriteFile(filepath.Join(outDir, file), []byte(header+text), 0o644); err != nil {
				return err
			}
		}
	}
	if outDir == "" {
		fmt.Print(stream.String())
		return nil
	}
	var k strings.Builder
	k.WriteString("# Generated from deploy/helm/piko with its default values by deploy/helm-render; do not edit.\n")
	k.WriteString("# kubectl apply -n <namespace> -k deploy/kubernetes\n")
	k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, f := range files {
		k.WriteString("  - " + f + "\n")
	}
	return os.WriteFile(filepath.Join(outDir, "kustomization.yaml"), []byte(k.String()), 0o644)
}

// isBlank reports whether a rendered document holds only whitespace and comments.
func isBlank(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && t != "---" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}
