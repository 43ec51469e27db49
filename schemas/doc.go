// Package schemas holds escapewatch's data shapes and their wire formats:
//
//   - Event, the normalized observation every input format decodes into
//     (the value of escapewatch.keyed.v1 records);
//   - Alert, the native alert of CONTRACT §3, and its two projections:
//     ToOCSF (OCSF 1.9.0 Detection Finding, class_uid 2004) and ToECS
//     (an Elastic Common Schema document with event.kind "alert");
//   - AlertSchema and EventSchema, JSON Schemas (draft 2020-12) of the
//     native alert and the event as encoding/json renders them.
//
// The alert id is the identity in every format: Alert.ID = OCSF
// finding_info.uid = ECS event.id = Kafka record key. docs/ALERT_FORMATS.md
// documents each mapping field by field.
//
// The package uses the standard library only.
package schemas
