"""The signed-in console under /console/: staff run a program, artists keep
their record, auditors audit, partners manage their webhooks, in the browser.

Server-rendered like the public site and on the same foundations as the JSON
API: every form is loaded by the API view's own schema and runs the same
command through the command bus (`web.console.forms`), every page reads the
same read models. Each role has its module; `session` signs people in and
guards every request (a session, its CSRF token, the role).
"""
