"""Corrections to the OpenAPI document that ninja generates, so it describes what the API sends."""

# RFC 3339 §5.6: "partial-time" is a time of day without an offset. JSON Schema's "time" format is
# RFC 3339's full-time, which requires one; our times of day (a session's start, a note's end) are local
# wall-clock times in the program's zone, sent as "09:00:00", so declaring "time" made every response
# that carries one fail validation (schemathesis found it).
LOCAL_TIME_FORMAT = "partial-time"


def document_local_times(node):
    """Replace `"format": "time"` everywhere in `node` (a document or part of one) by partial-time."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node["format"] = LOCAL_TIME_FORMAT
        for value in node.values():
            document_local_times(value)
    elif isinstance(node, list):
        for value in node:
            document_local_times(value)
    return node
