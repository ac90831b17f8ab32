"""What a running test server logged from a point on (to check that no message text or traceback reaches it)."""


class LogWatch:
    """What the Rasa server of `stack` logged from now on."""

    def __init__(self, stack):
        self.path = stack.services["rasa"].log
        self.start = self.path.stat().st_size

    def new(self) -> str:
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read().decode(errors="replace")
