"""The public site: server-rendered pages (`web.pages`, Jinja2 templates) and
their static assets (one stylesheet, ES modules; no build step, no CDN)."""
