"""The tracker store's memory of recent conversations (components/tracker_store.py).

What is kept is what the database query would return for one sender (the
rows' JSON text, not live objects) and the newest row id it was read at. A
cached conversation is only used when the database still has that newest
row id for the sender: a row added by another process (a second Rasa
server) or a conversation deleted makes the store read from the database.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import List, Optional, Text, Tuple

from rasa.shared.core.events import SessionStarted


@dataclass
class Conversation:
    """What Rasa's query would return for one sender, and the newest row id it was read at."""
    last_id: int  # newest row id stored for this sender (any session)
    session_start: Optional[float]  # timestamp of the latest SessionStarted event, if any
    rows: List[Tuple[Optional[float], Text]] = field(default_factory=list)  # (timestamp, JSON), by id

    def extended(self, last_id: int, new: List[Tuple[Text, Optional[float], Text]]) -> "Conversation":
        """This conversation after rows (type, timestamp, JSON) were appended, selected as Rasa selects them."""
        starts = [ts for kind, ts, _ in new if kind == SessionStarted.type_name and ts is not None]
        start = max([self.session_start] + starts) if self.session_start is not None else max(starts, default=None)
        rows = self.rows + [(ts, data) for _, ts, data in new]
        if start is not None:
            rows = [(ts, data) for ts, data in rows if ts is not None and ts >= start]
        return Conversation(last_id, start, rows)


class ConversationCache(OrderedDict):
    """sender id -> Conversation for the `size` most recently used senders; usable from several threads."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = max(0, int(size))
        self._lock = threading.Lock()

    def current(self, sender_id: Text, newest: int) -> Optional[Conversation]:
        """The cached conversation if the database's newest row id for the sender is still the cached one."""
        with self._lock:
            cached = self.get(sender_id)
        return cached if cached is not None and cached.last_id == newest else None

    def remember(self, sender_id: Text, conversation: Conversation) -> None:
        if self.size == 0:
            return
        with self._lock:
            self[sender_id] = conversation
            self.move_to_end(sender_id)
            while len(self) > self.size:
                self.popitem(last=False)

    def forget(self, sender_id: Text) -> None:
        with self._lock:
            self.pop(sender_id, None)
