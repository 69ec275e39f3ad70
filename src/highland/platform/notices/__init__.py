"""Notifications: one service every module uses to tell people what needs them.

A notice is stored language-neutral (a kind, the parameters of its message, a link) and
rendered in the reader's language from the message catalogue; e-mails go out over SMTP. This
package is platform: it imports identity, db, config and web, never a domain package — the
domains (demands, chains, policies) call it from one mapping module each.
"""
