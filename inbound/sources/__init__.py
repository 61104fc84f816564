"""Where inbound mail comes from. Every source speaks the ``Source`` protocol in ``base``."""
