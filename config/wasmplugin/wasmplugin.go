// Package wasmplugin finds Istio WasmPlugin resources in (multi-document)
// YAML and checks their spec.pluginConfig with config.Parse. It is for tools
// and tests (it uses sigs.k8s.io/yaml and encoding/json); the filter itself
// never imports it.
package wasmplugin

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"

	"github.com/tidwall/gjson"
	"sigs.k8s.io/yaml"

	"github.com/wasmauth/wasmauth/config"
)

// Plugin is one WasmPlugin document.
type Plugin struct {
	Name      string // metadata.name
	Namespace string // metadata.namespace ("" if unset)
	Doc       int    // 0-based index of the document in the YAML stream
	// PluginConfig is spec.pluginConfig as JSON, or nil when the resource has
	// none (the filter then gets an empty configuration).
	PluginConfig []byte
}

// Problem is one finding for one WasmPlugin; Err is nil when it is valid.
type Problem struct {
	Plugin   Plugin
	Err      error         // config.Errors, or a problem with the resource itself
	Warnings config.Errors // of a valid pluginConfig: see config.Policy.Warnings
}

// Find returns the WasmPlugin documents of a YAML stream (documents separated
// by "---" lines; other kinds are skipped). A document that is not valid YAML
// is an error naming its index.
func Find(data []byte) ([]Plugin, error) {
	var out []Plugin
	for i, doc := range splitDocuments(data) {
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, errors.New("document " + strconv.Itoa(i) + ": invalid YAML: " + err.Error())
		}
		r := gjson.ParseBytes(js)
		if !r.IsObject() || r.Get("kind").String() != "WasmPlugin" {
			continue
		}
		p := Plugin{
			Name:      r.Get("metadata.name").String(),
			Namespace: r.Get("metadata.namespace").String(),
			Doc:       i,
		}
		if pc := r.Get("spec.pluginConfig"); pc.Exists() && pc.Type != gjson.Null {
			p.PluginConfig = []byte(pc.Raw)
		}
		out = append(out, p)
	}
	return out, nil
}

// Check finds every WasmPlugin in data and parses its pluginConfig. It
// returns one Problem per plugin (Err nil when valid), or an error when the
// YAML cannot be read.
func Check(data []byte) ([]Problem, error) {
	plugins, err := Find(data)
	if err != nil {
		return nil, err
	}
	out := make([]Problem, 0, len(plugins))
	for _, p := range plugins {
		pr := Problem{Plugin: p}
		switch {
		case p.PluginConfig != nil && !gjson.ParseBytes(p.PluginConfig).IsObject():
			pr.Err = &config.Error{Path: "spec.pluginConfig", Msg: "must be an object"}
		default:
			var pol *config.Policy
			if pol, pr.Err = config.Parse(p.PluginConfig); pol != nil {
				pr.Warnings = pol.Warnings()
			}
		}
		out = append(out, pr)
	}
	return out, nil
}

// splitDocuments splits a YAML stream at "---" document markers. Documents
// holding only comments or whitespace become nil (indexes stay stable).
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
		} else {
			docs = append(docs, nil)
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if isMarker(line) {
			if !first || hasContent(cur.Bytes()) {
				flush()
			}
			first = false
			continue
		}
		first = false
		cur.Write(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs
}

func isMarker(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t'
}

func hasContent(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}
