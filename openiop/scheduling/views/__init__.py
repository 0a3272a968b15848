"""Views of the calendar: the week's sessions, one session's attendance, one episode's weekly hours.

Every view: policy gate, a loader that checks the object and writes the audit event, form, one service
call, redirect or render.
"""
