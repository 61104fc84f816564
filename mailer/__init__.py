"""Mail out: rendering (Jinja2 -> MJML -> HTML + text), MIME composition, transports and the outbox."""
