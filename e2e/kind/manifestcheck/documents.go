package manifestcheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Document is one YAML document of a manifest file.
type Document struct {
	Source string         // file name or other label used in messages
	Index  int            // position of the document in its source, from 0
	JSON   []byte         // the document converted to JSON (duplicate keys rejected)
	Object map[string]any // the document decoded as unstructured data
}

// Name returns "Kind/namespace/name" (or "Kind/name") for messages.
func (d Document) Name() string {
	kind, _ := d.Object["kind"].(string)
	meta, _ := d.Object["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	if ns != "" {
		return kind + "/" + ns + "/" + name
	}
	return kind + "/" + name
}

// Label identifies the document in error messages: "source[index] Kind/ns/name".
func (d Document) Label() string {
	return fmt.Sprintf("%s[%d] %s", d.Source, d.Index, d.Name())
}

// SplitYAML splits a multi-document YAML stream into documents. Empty
// documents (only comments or whitespace) are skipped. A document that is not
// a mapping, or has duplicate keys, is an error.
func SplitYAML(source string, data []byte) ([]Document, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []Document
	for index := 0; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: reading YAML: %w", source, index, err)
		}
		if isBlank(raw) {
			index--
			continue
		}
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", source, index, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			index--
			continue
		}
		var obj map[string]any
		if err := utiljson.Unmarshal(js, &obj); err != nil {
			return nil, fmt.Errorf("%s[%d]: document is not a mapping: %w", source, index, err)
		}
		docs = append(docs, Document{Source: source, Index: index, JSON: js, Object: obj})
	}
}

func isBlank(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' || bytes.Equal(line, []byte("---")) {
			continue
		}
		return false
	}
	return true
}
