package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// LoadPluginConfig reads the plugin configuration from path; see ExtractPluginConfig.
func LoadPluginConfig(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ExtractPluginConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ExtractPluginConfig returns the pluginConfig JSON the filter receives from a config
// file: a JSON document is taken as it is; a YAML file must hold an Istio WasmPlugin,
// whose spec.pluginConfig is converted to JSON (as Istio does). An empty file is an
// empty configuration.
func ExtractPluginConfig(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		if !json.Valid(trimmed) {
			var v any
			err := json.Unmarshal(trimmed, &v)
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return trimmed, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	kinds := 0
	for {
		var doc struct {
			Kind string `yaml:"kind"`
			Spec struct {
				PluginConfig any `yaml:"pluginConfig"`
			} `yaml:"spec"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %w", err)
		}
		kinds++
		if doc.Kind != "WasmPlugin" {
			continue
		}
		if doc.Spec.PluginConfig == nil {
			return nil, nil
		}
		out, err := json.Marshal(doc.Spec.PluginConfig)
		if err != nil {
			return nil, fmt.Errorf("spec.pluginConfig cannot be written as JSON: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("not JSON, and no WasmPlugin among its %d YAML document(s)", kinds)
}
