"""Socket.IO channel for the web widget.

Rasa's connector with two changes: a response with text and a custom
payload is sent as one `bot_uttered` event (the widget draws the emergency
banner from `custom.triage`), and `enter_room` is awaited, so session
persistence also works with python-socketio >= 5.10 (rasa issue 13027).
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput, SocketIOOutput


class MergingSocketIOOutput(SocketIOOutput):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom, text = message.get("custom"), message.get("text")
        if custom is not None and text:
            payload = {"text": text, "custom": custom}
            for key in ("quick_replies", "buttons"):
                if message.get(key):
                    payload["quick_replies"] = [
                        {"content_type": "text", "title": b["title"], "payload": b["payload"]}
                        for b in message[key]]
            await self._send_message(recipient_id, payload)
            return
        await super().send_response(recipient_id, message)


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self):
        if self.sio is None:
            return None
        return MergingSocketIOOutput(self.sio, self.bot_message_evt)
