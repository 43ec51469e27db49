package main

import (
	"bytes"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/escapewatch/escapewatch/schemas"
)

var alertSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.AlertSchema()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("alert.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("alert.schema.json")
})

// validateAlert checks one native alert (a JSON line) against the
// published schema.
func validateAlert(line []byte) error {
	s, err := alertSchema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	return s.Validate(v)
}
