package schemas

import (
	"bytes"
	_ "embed" // for the JSON Schemas below
	"time"
)

//go:embed jsonschema/alert.schema.json
var alertSchema []byte

//go:embed jsonschema/event.schema.json
var eventSchema []byte

// AlertSchema returns the JSON Schema (draft 2020-12) of the native alert,
// as encoding/json renders an Alert. The caller owns the returned slice.
func AlertSchema() []byte { return bytes.Clone(alertSchema) }

// EventSchema returns the JSON Schema (draft 2020-12) of the normalized
// event, as encoding/json renders an Event. The caller owns the returned
// slice.
func EventSchema() []byte { return bytes.Clone(eventSchema) }

// ProductVersion is the escapewatch version that the OCSF mapping reports in
// metadata.product.version. Set it once at startup, before any conversion,
// from the binary's own version (or at link time with
// -ldflags "-X github.com/escapewatch/escapewatch/schemas.ProductVersion=v1.2.3").
var ProductVersion = "dev"

// ruleCategory names the family of a rule from its id (CONTRACT §4):
// ESC-S.. risky start, ESC-A.. host-level action, ESC-C.. correlated chain.
func ruleCategory(id string) string {
	if len(id) > len("ESC-") {
		switch id[len("ESC-")] {
		case 'S':
			return "Risky start"
		case 'A':
			return "Host-level action"
		case 'C':
			return "Correlated chain"
		}
	}
	return "Other"
}

// epochMillis converts an RFC 3339 time to milliseconds since the epoch; it
// returns 0 for an empty or malformed time.
func epochMillis(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0
	}
	return t.UnixMilli()
}
