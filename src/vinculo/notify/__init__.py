"""Notifications: who is told of what, in the app (the bell) and by e-mail.

The one entry point other domains call is `notify(session, recipient=..., kind=..., item=...)`
(notify/service.py). A notification only points at an item (a report, an entity, a pair, a
release request); whether its recipient may see that item is asked when it is made, when it
is e-mailed and when it is shown, so rights taken away in between hide it. An e-mail names
the kind of item and links to it, never its title or text.
"""

from vinculo.notify.items import Item
from vinculo.notify.service import notify

__all__ = ["Item", "notify"]
