"""Pure mappings from OpenIOP's plain values to FHIR R4 resources (dicts), and back for what we accept.

No ORM, no request: views (openiop/fhir/views.py) read the models and pass plain values in. Every resource
produced is validated with fhir.resources' R4B models in the tests.
"""
