"""The platform kernel: what every domain builds on, and which imports no domain.

Time and the city's time zone (`kit`), configuration, the database, errors, web rendering and
the message catalogue (`web`), users, roles and sign-in (`identity`), the audit log (`audit`),
notifications (`notices`), request dependencies (`deps`) and pruning. Domains (enterprises,
policies, demands, chains) import from here; nothing here imports a domain
(`tests/test_architecture.py` walks the import graph).
"""
