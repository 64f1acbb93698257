#!/usr/bin/env bash
# The reference product's curl example, with the demo's base URL, keys, span and label.
# The label id differs per database: look it up with
#   curl -H 'X-Api-Key: atk_demo' -H 'X-Secret-Key: ats_demo' http://127.0.0.1:6180/tracer/get-annotation-labels/
LABEL_ID="${1:?usage: $0 LABEL_ID}"
curl -X POST http://127.0.0.1:6180/tracer/bulk-annotation/ \
-H "X-Api-Key: atk_demo" \
-H "X-Secret-Key: ats_demo" \
-H "Content-Type: application/json" \
-d '{"records": [{"observation_span_id": "5f557203301850c5", "annotations": [{"annotation_label_id": "'"$LABEL_ID"'", "annotator_id": "human_annotator_1", "value": "good"}]}]}'
