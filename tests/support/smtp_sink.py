"""A loopback SMTP server for the SMTP tests: writes each message it receives to a file.

    python3 smtp_sink.py PORT FOLDER

Every accepted message becomes FOLDER/<n>.eml (written to a temporary name and renamed, so a
reader never sees half a file). Runs until killed.
"""

import asyncio
import itertools
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        number = next(self.counter)
        temporary = os.path.join(self.folder, f".{number}.tmp")
        with open(temporary, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(temporary, os.path.join(self.folder, f"{number}.eml"))
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
