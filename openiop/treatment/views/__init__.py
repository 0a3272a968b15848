"""Pages of treatment plans: an episode's versions, one version (read, sign, send, export), the one-screen
editor, reviews, and the director's program list and settings.

Every view: policy gate, a loader that checks the object's rules and writes the audit event, a form, one
service call, redirect or render.
"""
