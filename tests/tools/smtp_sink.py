"""A local SMTP server for meldpunt's tests (aiosmtpd).

Writes every accepted message to DIR/<n>.json with its headers and decoded text body,
and logs each recipient command to DIR/events.log. Recipients containing "bounce" are
refused for good (550). With --delay, each recipient command waits that many seconds,
so that a test can kill the sender in the middle of a conversation.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)
        os.makedirs(directory, exist_ok=True)

    def log(self, line):
        with open(os.path.join(self.directory, "events.log"), "a") as f:
            f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.log("rcpt " + address)
        if "bounce" in address:
            return "550 5.1.1 Mailbox does not exist"
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        record = {
            "envelope_to": envelope.rcpt_tos,
            "to": str(msg["To"]),
            "from": str(msg["From"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "body": body.get_content() if body is not None else "",
        }
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.directory, f"{n:05d}.json"))
        self.log("data " + record["message_id"])
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--delay", type=float, default=0.0)
    a = p.parse_args()
    controller = Controller(Sink(a.dir, a.delay), hostname="127.0.0.1", port=a.port)
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
