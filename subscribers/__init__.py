"""The newsletter list: subscribers, their consent log, tokens, CSV import and export."""
