"""Guidance cases ("ärenden"): cases, messages, threading, staff replies, reports.

Until the case store lands, mail routed ``new_case`` or ``case_reply`` is stored in ``inbound_messages``
and filed; the case store will build its cases from those rows.
"""
