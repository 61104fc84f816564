"""``kulturkluster doctor``: is the configuration right? Each module checks one part and says, in plain
words, what is wrong and what to do.

``model`` holds the result type; ``spf``, ``dkim_key`` and ``dns_checks`` are pure functions over DNS
answers; ``resolver`` is the dnspython edge; ``connections`` talks to the database, the mailbox, the relay,
Microsoft's token endpoint and the public pages; ``run`` puts them in order.
"""
