"""The API's JSON body parser: a body, when sent, must be a JSON object.

Django Ninja's default parser accepts any JSON value, and a list, a string or `null` then reads as an object
with no fields: an update with all-optional fields "succeeded" having changed nothing, and the client never
learned its body was wrong. Every operation of this API takes an object, so anything else is refused with a
400 problem that says so (problems._http_error reads the message from the cause).
"""

import json

from ninja.parser import Parser


class BodyNotAnObject(ValueError):
    """The body parsed as JSON but is not an object."""


NOT_AN_OBJECT = "The request body must be a JSON object ({{...}}), not {kind}."
NOT_JSON = "The request body is not valid JSON."

_KINDS = {list: "a list", str: "a string", type(None): "null", bool: "true or false", int: "a number"}


class ObjectParser(Parser):
    def parse_body(self, request) -> dict:
        try:
            data = json.loads(request.body)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            raise BodyNotAnObject(NOT_JSON) from error
        if not isinstance(data, dict):
            raise BodyNotAnObject(NOT_AN_OBJECT.format(kind=_KINDS.get(type(data), "a number")))
        return data
