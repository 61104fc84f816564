"""Mail in: sources (IMAP, Maildir, files), parsing, classification, routing and handling."""
